"""The draft save is the app's hot path (one every ~2 s per participant sorting): a guard on the SQL it sends, and
on the cache of open studies' statement ids that spares it a query (benchmarks/save_path.py prints the figures)."""
from __future__ import annotations

from sqlalchemy import select

from qsort.models import Move, Participant, Statement
from tests.factories import statements_sent, valid_placements

T0 = 1_700_000_000_000


def stored(session, token):
    session.expire_all()
    participant = session.scalar(select(Participant).where(Participant.token == token))
    sort = participant.sort
    placements = sorted((p.statement_id, p.score, p.slot) for p in sort.placements)
    moves = session.execute(select(Move.client_seq, Move.statement_id, Move.from_place, Move.to_place)
                            .where(Move.sort_id == sort.id).order_by(Move.client_seq)).all()
    return sort, placements, moves


def placement_row_ids(session, token):
    """{statement id: placement row id} of the participant's sort."""
    session.expire_all()
    sort = session.scalar(select(Participant).where(Participant.token == token)).sort
    return {p.statement_id: p.id for p in sort.placements}


def test_a_draft_save_sends_seven_statements(app, respondent, small_study, session):
    study, token = small_study
    ids = [s.id for s in study.statements]
    placements = valid_placements(study)
    respondent.through_instructions()
    first = respondent.post_json("/api/draft", {"revision": 1, "base_revision": 0, "step": "grid",
                                                "placements": placements, "seconds": {"grid": 3.0}})
    assert first.status_code == 200, first.json
    swapped = [dict(p) for p in placements]
    swapped[0]["score"], swapped[-1]["score"] = placements[-1]["score"], placements[0]["score"]
    body = {"revision": 2, "base_revision": first.json["revision"], "step": "grid", "placements": swapped,
            "seconds": {"grid": 9.5},
            "moves": [{"statement_id": ids[0], "from": "grid:-2", "to": "grid:2", "t": T0, "seq": 1},
                      {"statement_id": ids[-1], "from": "grid:2", "to": "grid:-2", "t": T0 + 900, "seq": 2}]}

    row_ids = placement_row_ids(session, token)
    with statements_sent(app) as sent:
        response = respondent.post_json("/api/draft", body)

    assert response.status_code == 200 and response.json == {"ok": True, "revision": 2}
    # participant + study by token; the lock (UPDATE ... RETURNING the sort and its move count); the moves already
    # stored among these seqs; the new moves; the stored placements; the two that moved (one UPDATE for both); the
    # sort's revision and seconds.
    assert sent == ["SELECT", "UPDATE", "SELECT", "INSERT", "SELECT", "UPDATE", "UPDATE"]
    sort, stored_placements, moves = stored(session, token)
    assert stored_placements == sorted((p["statement_id"], p["score"], p["slot"]) for p in swapped)
    assert placement_row_ids(session, token) == row_ids  # rows updated in place, none deleted and inserted again
    assert moves == [(1, ids[0], "grid:-2", "grid:2"), (2, ids[-1], "grid:2", "grid:-2")]
    assert (sort.revision, sort.step, sort.step_seconds["grid"]) == (2, "grid", 9.5)

    with statements_sent(app) as sent:  # the same save again (its answer was lost): nothing doubles
        again = respondent.post_json("/api/draft", {**body, "base_revision": 2, "revision": 3})
    # no new move, no placement changed: nothing written but the sort row
    assert again.status_code == 200 and sent == ["SELECT", "UPDATE", "SELECT", "SELECT", "UPDATE"]
    assert stored(session, token)[2] == moves


def test_statements_added_while_the_study_was_closed_are_known_when_it_reopens(app, respondent, small_study,
                                                                                session):
    study, token = small_study
    respondent.through_instructions()
    card = study.statements[0].id
    assert respondent.post_json("/api/draft", {"revision": 1, "step": "presort",
                                               "presort": {str(card): "agree"}}).status_code == 200
    study.status = "closed"
    session.commit()
    added = Statement(study=study, position=99, code="NEW", text="Added while closed")
    session.add(added)
    study.status = "open"
    session.commit()

    response = respondent.post_json("/api/draft", {"revision": 2, "base_revision": 1, "step": "presort",
                                                   "presort": {str(card): "agree", str(added.id): "neutral"}})

    assert response.status_code == 200, response.json
    assert stored(session, token)[0].presort == {str(card): "agree", str(added.id): "neutral"}
