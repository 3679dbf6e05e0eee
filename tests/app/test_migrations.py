"""Migrations upgrade a database that already holds studies and sorts, on SQLite and on PostgreSQL alike.

For every revision shipped in qsort/migrations/versions, oldest first, a fresh database is brought to that revision,
filled with what a running installation holds (a researcher, a study with statements, questions, participants with
a submitted and an unfinished sort: placements, moves, comments, answers, a note), written through the tables as
they are at that revision and with only the columns the first release had; then it is upgraded to the newest
revision, and every row must read back the same through today's models, and new rows must still be insertable
(sequences, constraints). So a migration added later runs against data automatically: from its own base and from
every revision before it. (Columns a later migration adds to a table with rows must be nullable or have a server
default: that is exactly what this catches.)
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.orm import Session

from qsort.migrations import alembic_config, head_revision, upgrade
from qsort.models import Participant, Placement, Sort, Study


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


SUBMITTED = datetime(2026, 3, 4, 10, 30, 15)
SCORES = {"S1": -1, "S2": 0, "S3": 1}  # statement code -> score in the submitted sort
ANSWERS = [["decider", "adviser"], 12, "Delivery on time matters most."]  # JSON values of several shapes


def fill(engine) -> dict[str, int]:
    """Write the data with plain INSERTs into the tables as they are now (reflected), 0001's columns only."""
    tables = MetaData()
    tables.reflect(engine)

    with engine.begin() as connection:
        def insert(table: str, /, **values) -> int:
            return connection.execute(tables.tables[table].insert().values(**values)).inserted_primary_key[0]

        now = datetime(2026, 3, 1, 9, 0, 0)
        user = insert("user", email="ana@example.com", name="Ana", password_hash="x", role="researcher",
                      created_at=now)
        study = insert("study", owner_id=user, title="What do you value?", status="open", languages=["en", "nl"],
                       default_language="en", texts={"welcome": {"en": "Welcome", "nl": "Welkom"}},
                       grid_scores=[-1, 0, 1], grid_heights=[1, 1, 1], free_distribution=False,
                       labels={"most": {"en": "Most"}}, extreme_comments="optional", ask_would_pay=True,
                       redirect_url=None, open_link_enabled=True, open_link_token="open-token-0001",
                       created_at=now, updated_at=now)
        statements = {code: insert("statement", study_id=study, position=i, code=code, text=f"Statement {code}",
                                   tags=["price"], translations={"nl": f"Stelling {code}"})
                      for i, code in enumerate(SCORES)}
        questions = [insert("question", study_id=study, position=i, phase="post", kind=kind, prompt={"en": "Q"},
                            options=[], settings={}, required=False)
                     for i, kind in enumerate(["multiple", "number", "text"])]
        done = insert("participant", study_id=study, token="token-of-the-done-one", code="P1", name="Bea",
                      email="bea@example.com", attributes={"account": "Acme", "revenue": 1200000}, source="invite",
                      language="nl", consent="given", consent_at=now, created_at=now)
        busy = insert("participant", study_id=study, token="token-of-the-busy-one", code="P2", name="", email="",
                      attributes={}, source="open", language="en", consent="given", consent_at=now,
                      created_at=now)
        insert("participant", study_id=study, token="token-not-started", code="P3", name="", email="",
               attributes={}, source="invite", created_at=now)
        sort = insert("sort", participant_id=done, state="submitted", step="done",
                      presort={str(statements["S1"]): "disagree"}, step_seconds={"presort": 30.5, "grid": 61.0},
                      revision=7, started_at=now, updated_at=SUBMITTED, submitted_at=SUBMITTED)
        for slot, (code, score) in enumerate(SCORES.items()):
            insert("placement", sort_id=sort, statement_id=statements[code], score=score, slot=0)
            insert("move", sort_id=sort, statement_id=statements[code], from_place="deck", to_place=f"grid:{score}",
                   client_time=now, client_seq=slot + 1, recorded_at=now)
        insert("card_comment", sort_id=sort, statement_id=statements["S3"], text="Saves us money", would_pay="yes")
        for question, value in zip(questions, ANSWERS):
            insert("answer", sort_id=sort, question_id=question, value=value)
        insert("note", sort_id=sort, statement_id=None, author_id=user, text="Long-time customer", created_at=now)
        unfinished = insert("sort", participant_id=busy, state="presorted", step="grid", presort={},
                            step_seconds={}, revision=2, started_at=now, updated_at=now)
        insert("placement", sort_id=unfinished, statement_id=statements["S2"], score=1, slot=0)
    return {"study": study, "sort": sort}


@pytest.mark.parametrize("start", revisions_oldest_first())
def test_upgrade_to_the_newest_keeps_studies_and_sorts(empty_database_url, start):
    upgrade(empty_database_url, start)
    engine = create_engine(empty_database_url)
    try:
        ids = fill(engine)
        engine.dispose()
        upgrade(empty_database_url, "head")
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()

        with Session(engine) as session:
            study = session.get(Study, ids["study"])
            assert study.title == "What do you value?" and study.owner.email == "ana@example.com"
            assert study.texts == {"welcome": {"en": "Welcome", "nl": "Welkom"}} and study.languages == ["en", "nl"]
            assert study.grid == [(-1, 1), (0, 1), (1, 1)] and study.open_link_enabled is True
            assert [(s.code, s.text_in("nl"), s.tags) for s in study.statements] == [
                (code, f"Stelling {code}", ["price"]) for code in SCORES]
            people = {p.code: p for p in study.participants}
            assert set(people) == {"P1", "P2", "P3"}
            assert people["P1"].token == "token-of-the-done-one"
            assert people["P1"].attributes == {"account": "Acme", "revenue": 1200000}
            assert people["P3"].sort is None
            # An open-link participant under way before 0009 gets a resume secret, so they can still change device.
            order = revisions_oldest_first()
            if order.index(start) < order.index("0009"):
                assert re.fullmatch(r"[A-HJ-NP-Z2-9]{8}", people["P2"].resume_secret or "")
            assert people["P1"].resume_secret is None and people["P2"].resume_failures == 0

            sort = people["P1"].sort
            assert (sort.id, sort.state, sort.step, sort.revision) == (ids["sort"], "submitted", "done", 7)
            assert sort.submitted_at == SUBMITTED and sort.step_seconds == {"presort": 30.5, "grid": 61.0}
            codes = {s.id: s.code for s in study.statements}
            assert {codes[k]: v for k, v in sort.scores().items()} == SCORES
            assert [(codes[m.statement_id], m.to_place, m.client_seq) for m in sort.moves] == [
                (code, f"grid:{score}", i + 1) for i, (code, score) in enumerate(SCORES.items())]
            assert [(codes[c.statement_id], c.text, c.would_pay) for c in sort.comments] == [
                ("S3", "Saves us money", "yes")]
            assert sorted((a.question.kind, a.value) for a in sort.answers) == sorted(
                zip(["multiple", "number", "text"], ANSWERS), key=lambda pair: pair[0])
            assert [n.text for n in sort.notes] == ["Long-time customer"]
            assert people["P2"].sort.state == "presorted" and people["P2"].sort.scores() == {
                next(i for i, c in codes.items() if c == "S2"): 1}

            # The upgraded database takes new rows (ids continue, constraints hold).
            newcomer = Participant(study=study, code="P4", source="invite")
            newcomer.sort = Sort(state="started", step="welcome")
            session.add(newcomer)
            session.commit()
            session.add(Placement(sort_id=newcomer.sort.id, statement_id=study.statements[0].id, score=0, slot=0))
            session.commit()
            assert newcomer.id > max(p.id for p in study.participants if p is not newcomer)
            assert session.scalar(select(Placement.sort_id).where(Placement.sort_id == newcomer.sort.id))
    finally:
        engine.dispose()


def test_every_revision_is_upgraded_from():
    """The list above starts at the first migration and ends at the newest, one chain (no second head)."""
    revisions = revisions_oldest_first()
    assert revisions[0] == "0001" and revisions[-1] == head_revision()
    assert len(set(revisions)) == len(revisions)


def test_the_migrations_build_exactly_the_schema_the_models_declare(empty_database_url):
    """No table, column, index or constraint of qsort/models.py missing from (or extra in) the migrated database:
    a model changed without its migration would otherwise only show on a production upgrade."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from qsort.models import Base

    upgrade(empty_database_url, "head")
    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            # The draft save looks a sort's moves up by seq (draft_sql.MOVES_AMONG): one index serves that and
            # every lookup by sort alone.
            indexes = {index["name"]: index["column_names"] for index in inspect(connection).get_indexes("move")}
            assert indexes == {"ix_move_sort_id_client_seq": ["sort_id", "client_seq"]}
    finally:
        engine.dispose()


def test_0011_gives_a_sort_waiting_after_its_grid_the_time_it_was_sent(empty_database_url):
    """A participant between the grid and the last step when 0011 runs may still go back with "Change my sort":
    their sort (state "sorted") gets grid_submitted_at from its last change, so the sorting page says it was sent
    before; sorts still on the grid (and completed ones, never read again) get none."""
    upgrade(empty_database_url, "0010")
    engine = create_engine(empty_database_url)
    try:
        ids = fill(engine)
        tables = MetaData()
        tables.reflect(engine)
        sort, participant = tables.tables["sort"], tables.tables["participant"]
        waiting_since = datetime(2026, 3, 2, 8, 15, 0)
        with engine.begin() as connection:
            person = connection.execute(participant.insert().values(
                study_id=ids["study"], token="token-of-the-waiting-one", code="P5", name="", email="",
                attributes={}, source="invite", consent="given", created_at=waiting_since)).inserted_primary_key[0]
            connection.execute(sort.insert().values(participant_id=person, state="sorted", step="postsort",
                                                    presort={}, step_seconds={}, revision=5,
                                                    started_at=waiting_since, updated_at=waiting_since))
        engine.dispose()
        upgrade(empty_database_url, "head")
        with Session(engine) as session:
            sent = {p.code: p.sort.grid_submitted_at for p in session.scalars(select(Participant)) if p.sort}
        assert sent == {"P1": None, "P2": None, "P5": waiting_since}
    finally:
        engine.dispose()
