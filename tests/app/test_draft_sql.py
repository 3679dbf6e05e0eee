"""The draft path writes its rows with SQL text (qsort/draft_sql.py), not through the ORM: what it stores must be
exactly what the ORM stores, byte for byte, and read back through the ORM as the values the page sent. On SQLite
DateTime and JSON are text SQLAlchemy formats itself; on PostgreSQL they go through psycopg's adapters."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from qsort import draft_sql
from qsort.models import Move, Participant, Placement, Sort
from tests.factories import valid_placements

T0 = 1_700_000_000_123  # ms since 1970: 2023-11-14 22:13:20.123


def stored_as_text(session, table: str, column: str, row_id: int) -> str | None:
    """A column's value as the database holds it (its text), not as SQLAlchemy converts it."""
    return session.connection().exec_driver_sql(
        f"SELECT CAST({column} AS TEXT) FROM {table} WHERE id = {int(row_id)}").scalar()


def test_a_draft_stores_what_the_orm_would_store(app, respondent, small_study, session):
    study, token = small_study
    ids = [s.id for s in study.statements]
    respondent.through_instructions()
    presort = {str(ids[0]): "agree", str(ids[1]): "disagree", str(ids[2]): "neutral"}
    body = {"revision": 1, "base_revision": 0, "step": "presort", "presort": presort, "seconds": {"presort": 12.25},
            "moves": [{"statement_id": ids[0], "from": "deck", "to": "pile:agree", "t": T0, "seq": 1},
                      {"statement_id": ids[1], "from": "deck", "to": "pile:disagree", "seq": 2}]}
    assert respondent.post_json("/api/draft", body).status_code == 200
    placements = valid_placements(study)
    grid = respondent.post_json("/api/draft", {"revision": 2, "base_revision": 1, "step": "grid",
                                               "placements": placements, "seconds": {"grid": 3.5}})
    assert grid.status_code == 200, grid.json

    session.expire_all()
    participant = session.scalar(select(Participant).where(Participant.token == token))
    sort = participant.sort
    assert (sort.step, sort.revision, sort.presort) == ("grid", 2, presort)
    assert (sort.step_seconds["presort"], sort.step_seconds["grid"]) == (12.2, 3.5)  # kept to a tenth
    assert isinstance(sort.updated_at, datetime) and sort.updated_at >= sort.started_at
    moves = sorted(sort.moves, key=lambda m: m.client_seq)
    assert [(m.client_seq, m.statement_id, m.from_place, m.to_place, m.client_time) for m in moves] == [
        (1, ids[0], "deck", "pile:agree", datetime(2023, 11, 14, 22, 13, 20, 123000)),
        (2, ids[1], "deck", "pile:disagree", None)]
    assert all(isinstance(m.recorded_at, datetime) for m in moves)
    assert sorted((p.statement_id, p.score, p.slot) for p in sort.placements) == \
        sorted((p["statement_id"], p["score"], p["slot"]) for p in placements)

    # The same values written by the ORM: the stored text is identical.
    twin = Move(sort=sort, statement_id=ids[0], from_place="deck", to_place="pile:agree", client_seq=9,
                client_time=moves[0].client_time, recorded_at=moves[0].recorded_at)
    session.add(twin)
    other = Participant(study=study, code="TWIN")
    session.add(other)
    twin_sort = Sort(participant=other, presort=sort.presort, step_seconds=sort.step_seconds,
                     updated_at=sort.updated_at)
    session.add(twin_sort)
    session.commit()
    for column in ("client_time", "recorded_at"):
        assert stored_as_text(session, "move", column, twin.id) == stored_as_text(session, "move", column, moves[0].id)
    for column in ("presort", "step_seconds", "updated_at"):
        assert stored_as_text(session, "sort", column, twin_sort.id) == stored_as_text(session, "sort", column, sort.id)


def test_rows_the_orm_wrote_read_back_through_the_draft_path_as_the_orm_reads_them(app, small_study, session):
    study, token = small_study
    participant = session.scalar(select(Participant).where(Participant.token == token))
    submitted = datetime(2024, 2, 29, 23, 59, 58, 999999)
    participant.sort = Sort(step="grid", state="presorted", presort={"7": "agree"}, step_seconds={"grid": 1.5},
                            submitted_at=submitted, revision=4)
    session.commit()

    with app.app_context():
        from qsort.db import get_session

        connection = get_session().connection()
        assert draft_sql.find_sorter(connection, token) == (
            participant.id, participant.source, "grid", 4, study.id, study.status, study.updated_at,
            study.grid_scores)
        locked = draft_sql.lock_sort(connection, participant.id, datetime(2025, 1, 1))
        assert locked == (participant.sort.id, "presorted", "grid", 4, {"7": "agree"}, {"grid": 1.5}, submitted, 0)
        get_session().rollback()


def test_write_placements_deletes_updates_and_inserts_only_the_rows_that_differ(app, small_study, session):
    study, token = small_study
    ids = [s.id for s in study.statements]
    participant = session.scalar(select(Participant).where(Participant.token == token))
    sort = Sort(participant=participant)
    session.add(sort)
    session.commit()
    first = [{"statement_id": ids[0], "score": -1, "slot": 0}, {"statement_id": ids[1], "score": 0, "slot": 0},
             {"statement_id": ids[2], "score": 0, "slot": 1}]
    draft_sql.write_placements(session.connection(), sort.id, first)
    session.commit()
    rows_before = {p.statement_id: p.id for p in session.scalars(select(Placement).where(Placement.sort_id == sort.id))}

    # ids[0] back to the deck (deleted), ids[1] moved (updated), ids[2] unchanged, ids[3] placed (inserted)
    second = [{"statement_id": ids[1], "score": 1, "slot": 0}, {"statement_id": ids[2], "score": 0, "slot": 1},
              {"statement_id": ids[3], "score": 0, "slot": 0}]
    draft_sql.write_placements(session.connection(), sort.id, second)
    session.commit()
    session.expire_all()
    rows = {p.statement_id: p for p in session.scalars(select(Placement).where(Placement.sort_id == sort.id))}
    assert {sid: (p.score, p.slot) for sid, p in rows.items()} == {ids[1]: (1, 0), ids[2]: (0, 1), ids[3]: (0, 0)}
    assert rows[ids[1]].id == rows_before[ids[1]] and rows[ids[2]].id == rows_before[ids[2]]  # in place
    assert rows[ids[3]].id not in rows_before.values()

    draft_sql.write_placements(session.connection(), sort.id, [])  # every card back on the deck
    session.commit()
    assert session.scalars(select(Placement).where(Placement.sort_id == sort.id)).all() == []
