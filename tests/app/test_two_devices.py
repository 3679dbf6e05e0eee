"""Two devices on one link (issue 10 items 1, 2): a draft says which stored revision it was built on; one built
on an older revision is merged by its moves or refused, never written over the other device's newer cards."""
from __future__ import annotations

from sqlalchemy import func, select

from qsort.models import Move, Participant, Sort
from tests.factories import valid_placements

T0 = 1_700_000_000_000


def sort_of(session, token) -> Sort:
    session.expire_all()
    return session.scalar(select(Participant).where(Participant.token == token)).sort


def grid_of(sort: Sort) -> dict[int, int]:
    return {p.statement_id: p.score for p in sort.placements}


def move(card, source, target, seq):
    return {"statement_id": card, "from": source, "to": target, "t": T0 + seq, "seq": seq}


def presorted(respondent, ids) -> int:
    """Everything on the agree pile, stored; returns the stored revision both devices load."""
    body = {"revision": 1, "base_revision": 0, "step": "grid", "presort": {str(i): "agree" for i in ids},
            "placements": [], "moves": [move(i, "deck", "pile:agree", n + 1) for n, i in enumerate(ids)]}
    response = respondent.post_json("/api/draft", body)
    assert response.status_code == 200, response.json
    return response.json["revision"]


def desktop_places_three(respondent, ids, base):
    """The desktop puts three cards in +2, built on what it loaded: accepted and stored as it sent it."""
    placements = [{"statement_id": ids[i], "score": 2, "slot": i} for i in range(3)]
    body = {"revision": base + 3, "base_revision": base, "step": "grid",
            "presort": {str(i): "agree" for i in ids}, "placements": placements,
            "moves": [move(ids[i], "pile:agree", "grid:2", 100 + i) for i in range(3)]}
    response = respondent.post_json("/api/draft", body)
    assert response.status_code == 200 and response.json == {"ok": True, "revision": base + 3}
    return response.json["revision"]


def test_the_issues_steps_a_stale_phone_is_merged_by_its_moves(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    ids = [s.id for s in study.statements]
    loaded = presorted(respondent, ids)  # both devices open the link here
    stored = desktop_places_three(respondent, ids, loaded)
    # The phone, not reloaded, puts one other card in -1 and sends its whole (old) state with that move.
    phone = {"revision": loaded + 1, "base_revision": loaded, "step": "grid",
             "presort": {str(i): "agree" for i in ids},
             "placements": [{"statement_id": ids[5], "score": -1, "slot": 0}],
             "moves": [move(ids[5], "pile:agree", "grid:-1", 200)]}
    response = respondent.post_json("/api/draft", phone)
    assert response.status_code == 200 and response.json["merged"] is True and response.json["message"]
    expected = {ids[0]: 2, ids[1]: 2, ids[2]: 2, ids[5]: -1}
    assert grid_of(sort_of(session, token)) == expected
    # The answer is the state the phone now shows, and it is what is stored.
    shown = {p["statement_id"]: p["score"] for p in response.json["state"]["placements"]}
    assert shown == expected and response.json["revision"] == response.json["state"]["revision"] > stored
    # The desktop, built on its own save, is now stale too: its next change merges on top, losing nothing.
    desktop = {"revision": stored + 1, "base_revision": stored, "step": "grid",
               "presort": {str(i): "agree" for i in ids},
               "placements": [{"statement_id": ids[i], "score": 2, "slot": i} for i in range(3)]
               + [{"statement_id": ids[3], "score": 1, "slot": 0}],
               "moves": [move(ids[3], "pile:agree", "grid:1", 300)]}
    response = respondent.post_json("/api/draft", desktop)
    assert response.status_code == 200 and response.json["merged"] is True
    assert grid_of(sort_of(session, token)) == {**expected, ids[3]: 1}


def test_a_conflicting_stale_draft_is_refused_with_the_stored_state(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    ids = [s.id for s in study.statements]
    loaded = presorted(respondent, ids)
    stored = desktop_places_three(respondent, ids, loaded)
    # The phone moves a card the desktop has already moved: it is no longer where the phone saw it.
    phone = {"revision": loaded + 1, "base_revision": loaded, "step": "grid", "presort": {},
             "placements": [{"statement_id": ids[0], "score": -2, "slot": 0}],
             "moves": [move(ids[0], "pile:agree", "grid:-2", 200)]}
    response = respondent.post_json("/api/draft", phone)
    assert response.status_code == 409 and response.json["conflict"] is True and response.json["error"]
    assert response.json["revision"] == stored
    assert {p["statement_id"]: p["score"] for p in response.json["state"]["placements"]} == {
        ids[0]: 2, ids[1]: 2, ids[2]: 2}
    sort = sort_of(session, token)
    assert grid_of(sort) == {ids[0]: 2, ids[1]: 2, ids[2]: 2} and sort.revision == stored
    # The move is in the log all the same: what the participant did is never thrown away.
    assert session.scalar(select(func.count()).select_from(Move).where(Move.client_seq == 200)) == 1


def test_raising_the_revision_cannot_overwrite_newer_cards(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    ids = [s.id for s in study.statements]
    loaded = presorted(respondent, ids)
    desktop_places_three(respondent, ids, loaded)
    for attack in ({"revision": 10**6, "base_revision": loaded}, {"revision": 10**6}):  # old state, high number
        response = respondent.post_json("/api/draft", {**attack, "step": "grid", "presort": {}, "placements": []})
        assert response.status_code == 200 and response.json["merged"] is True
        assert grid_of(sort_of(session, token)) == {ids[0]: 2, ids[1]: 2, ids[2]: 2}
    assert sort_of(session, token).presort == {str(i): "agree" for i in ids}


def test_a_resent_draft_after_a_lost_answer_changes_nothing(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    ids = [s.id for s in study.statements]
    loaded = presorted(respondent, ids)
    body = {"revision": loaded + 1, "base_revision": loaded, "step": "grid", "presort": {str(i): "agree" for i in ids},
            "placements": [{"statement_id": ids[0], "score": 0, "slot": 0}],
            "moves": [move(ids[0], "pile:agree", "grid:0", 50)]}
    assert respondent.post_json("/api/draft", body).status_code == 200
    again = respondent.post_json("/api/draft", body)  # the answer was lost: the page sends the same again
    assert again.status_code == 200 and again.json["merged"] is True
    assert grid_of(sort_of(session, token)) == {ids[0]: 0}
    assert session.scalar(select(func.count()).select_from(Move).where(Move.client_seq == 50)) == 1


def test_submit_from_a_stale_tab_moves_on(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    placements = valid_placements(study)
    assert respondent.post_json("/api/submit", {"revision": 1, "placements": placements}).status_code == 200
    swapped = [dict(p) for p in placements]
    swapped[0]["score"], swapped[-1]["score"] = swapped[-1]["score"], swapped[0]["score"]
    stale = respondent.post_json("/api/submit", {"revision": 1, "placements": swapped})
    assert stale.status_code == 409 and stale.json["next"].endswith("/postsort") and stale.json["error"]
    assert grid_of(sort_of(session, token)) == {p["statement_id"]: p["score"] for p in placements}


def test_submit_after_the_whole_study_is_completed_moves_on_to_the_end(respondent, small_study, session):
    study, token = small_study
    respondent.through_instructions()
    placements = valid_placements(study)
    respondent.post_json("/api/submit", {"revision": 1, "placements": placements})
    sort = sort_of(session, token)
    sort.state, sort.step = "submitted", "done"
    session.commit()
    stale = respondent.post_json("/api/submit", {"revision": 1, "placements": placements})
    assert stale.status_code == 409 and stale.json["next"].endswith("/done")
