"""`qsort import` of a whole-study JSON checks every value at the door (qsort/exchange/study_check.py): a refused
file gets one error naming its JSON path and writes nothing; an accepted one gives a study whose every studio page,
export and participant link renders (issue 10, item 9). Fuzzed with hypothesis: mutated valid exports."""
from __future__ import annotations

import copy
import json
import re

import pytest
from click.testing import CliRunner
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from qsort import exchange
from qsort.cli import main as cli
from qsort.models import Study, User
from tests.factories import (PASSWORD, SORT_A, SORT_B, SORT_C, login, make_participant, make_supplier_study,
                             make_user)

TABLES = ("study", "statement", "question", "participant", "sort", "placement", "move", "card_comment", "answer",
          "note")


@pytest.fixture
def document(session):
    """A valid export: a supplier study (9 statements, grid -2..2) with sorts in every state."""
    owner = make_user(session)
    study = make_supplier_study(session, owner)
    make_participant(session, study, "C01", state="submitted", scores=SORT_A, attributes={"account": "Acme"})
    make_participant(session, study, "C02", state="sorted", scores=SORT_B)
    make_participant(session, study, "DRAFT", state="presorted", scores=SORT_C)
    make_participant(session, study, "NEW")
    return exchange.study_to_json(session, study)


def dump(session) -> list:
    session.expire_all()
    rows = [session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() for table in TABLES]
    session.rollback()
    return rows


def refused(session, document, path: str) -> str:
    """Import ``document``, expect a refusal naming ``path``; the database must be unchanged."""
    before = dump(session)
    with pytest.raises(exchange.ExchangeError) as caught:
        exchange.study_from_json(session, document, owner_of(session), source="moved.json")
    message = str(caught.value)
    assert re.match(rf"moved\.json: {re.escape(path)}[:.\[]", message), message
    assert "\n" not in message and "Traceback" not in message
    assert dump(session) == before, "a refused file wrote something"
    return message


def owner_of(session) -> User:
    return session.scalars(select(User).order_by(User.id)).first()


def set_at(document: dict, path: list, value) -> dict:
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


# (path in the document, bad value, the JSON path the error must name, a word the message must hold)
BAD_VALUES = [
    (["participants", 0, "sort", "step"], "nonsense", "participants[0].sort.step", "not one of welcome"),
    (["participants", 1, "sort", "state"], "finished", "participants[1].sort.state", "not one of started"),
    (["participants", 0, "sort", "revision"], 2**70, "participants[0].sort.revision",
     "1180591620717411303424 is outside 0.."),
    (["participants", 0, "sort", "revision"], -1, "participants[0].sort.revision", "outside"),
    (["participants", 0, "sort", "revision"], "3", "participants[0].sort.revision", "whole number"),
    (["study", "grid_scores"], [0, 0], "study.grid_heights", "5 heights for 2 scores"),
    (["study", "grid_heights"], [1, 2, 3, 2, 2], "study.grid_heights", "add up to 10"),
    (["study", "grid_scores"], [-2, -1, 5, 1, 2], "study.grid_scores", "not a run"),
    (["study", "grid_scores"], [-20, -19, -18, -17, -16], "study.grid_scores[0]", "outside -7..7"),
    (["participants", 0, "sort", "placements", 2, "score"], 3, "participants[0].sort.placements[2].score",
     "not a column"),
    (["participants", 0, "sort", "placements", 2, "score"], 10**19, "participants[0].sort.placements[2].score",
     "outside"),
    (["participants", 0, "sort", "placements", 2, "slot"], 2**63, "participants[0].sort.placements[2].slot",
     "outside"),
    (["participants", 0, "sort", "placements", 2, "statement"], 99, "participants[0].sort.placements[2].statement",
     "not the index"),
    (["participants", 0, "sort", "moves", 0, "seq"], 2**70, "participants[0].sort.moves[0].seq", "outside"),
    (["participants", 0, "language"], "xx", "participants[0].language", "not one of en"),
    (["study", "languages"], ["en", "klingon"], "study.languages[1]", "not one of en"),
    (["study", "default_language"], "nb", "study.default_language", "not one of the study's languages"),
    (["statements", 3, "text"], 42, "statements[3].text", "expected a text"),
    (["statements", 3, "translations"], {"nl": ["x"]}, "statements[3].translations.nl", "expected a text"),
    (["participants", 1, "code"], "c01", "participants[1].code", "also the code of participants[0]"),
    (["participants", 0, "created_at"], "yesterday", "participants[0].created_at", "not a date and time"),
    (["participants", 0, "sort", "started_at"], 12, "participants[0].sort.started_at", "date and time"),
    (["participants", 0, "sort", "step_seconds"], {"grid": 1e300}, "participants[0].sort.step_seconds.grid",
     "seconds"),
    (["participants", 0, "sort", "presort"], {"0": "maybe"}, "participants[0].sort.presort.0", "not one of agree"),
    (["participants", 0, "sort", "comments"], [{"statement": 0, "text": "x", "would_pay": "perhaps"}],
     "participants[0].sort.comments[0].would_pay", "not one of yes"),
    (["participants", 0, "sort", "answers"], [{"question": 0, "value": {"a": 1}}],
     "participants[0].sort.answers[0].value", "expected a text, a number"),
    (["participants", 0, "attributes"], {"region": "Nor\x00th"}, "participants[0].attributes.region", "NUL"),
    (["participants", 0, "name"], "\udc80x", "participants[0].name", "not valid text"),
    (["questions", 0, "kind"], "essay", "questions[0].kind", "not one of text"),
    (["study", "redirect_url"], "javascript:alert(1)", "study.redirect_url", "http"),
    (["study", "title"], "", "study.title", "must not be empty"),
]


@pytest.mark.parametrize("path, value, named, words", BAD_VALUES, ids=[case[2] for case in BAD_VALUES])
def test_a_bad_value_is_refused_naming_its_json_path_and_nothing_is_written(session, document, path, value, named,
                                                                           words):
    message = refused(session, set_at(document, path, value), named)
    assert words in message, message


def test_a_complete_sort_must_fill_the_grid(session, document):
    sort = document["participants"][0]["sort"]
    del sort["placements"][4]
    message = refused(session, document, "participants[0].sort.placements")
    assert "places all 9 statements" in message and "this one places 8" in message


def test_a_forced_column_cannot_overflow(session, document):
    sort = document["participants"][2]["sort"]  # presorted: only partly placed is fine, too many in a column not
    sort["placements"] = [{"statement": k, "score": 2, "slot": k} for k in range(2)]
    message = refused(session, document, "participants[2].sort.placements")
    assert "2 cards in column 2, which holds 1" in message


def test_deep_nesting_is_refused_with_a_path(session, document):
    document["participants"][0]["attributes"] = {"deep": json.loads("[" * 20 + "]" * 20)}
    message = refused(session, document, "participants[0].attributes.deep")
    assert "nested more than" in message


def test_the_cli_gives_one_line_for_bad_files(session, document, app, tmp_path):
    env = {"QSORT_DATABASE_URL": app.config["DATABASE_URL"], "QSORT_SECRET_KEY": "x"}
    cases = {
        "huge.json": json.dumps(set_at(document, ["participants", 0, "sort", "revision"], 2**70)),
        "deep.json": "[" * 100_000,
        "digits.json": '{"format": "qsort-study", "version": ' + "9" * 5000 + "}",
        "step.json": json.dumps(set_at(document, ["participants", 0, "sort", "step"], "nonsense")),
    }
    before = dump(session)
    for name, content in cases.items():
        (tmp_path / name).write_text(content)
        result = CliRunner().invoke(cli, ["import", str(tmp_path / name), "--owner", "ana@example.com"], env=env)
        assert result.exit_code == 1, (name, result.output)
        assert result.output.startswith("Error: ") and result.output.count("\n") == 1, (name, result.output)
        assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception,
                                                                                            SystemExit)
    assert "participants[0].sort.revision" in CliRunner().invoke(
        cli, ["import", str(tmp_path / "huge.json"), "--owner", "ana@example.com"], env=env).output
    assert dump(session) == before


# -- an accepted study: every page renders ---------------------------------------------------------------------

def study_pages(app, study: Study) -> list[str]:
    """Every GET page of the studio and results blueprints for ``study``, each participant page for each of its
    participants, each export format, and each participant's own link (followed to its step's page)."""
    participants = sorted(study.participants, key=lambda p: p.id)
    statement, question = study.statements[0], (study.questions or [None])[0]
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith(("studio.", "results.")) or "GET" not in rule.methods \
                    or "study_id" not in rule.arguments:
                continue
            choices: list[dict] = [{"study_id": study.id}]
            for name in sorted(rule.arguments - {"study_id"}):
                options = {"participant_id": [p.id for p in participants], "statement_id": [statement.id],
                           "question_id": [question.id if question else 1], "fmt": list(exchange.EXPORT_FORMATS),
                           "language": list(study.languages)}.get(name, [1])
                choices = [dict(c, **{name: o}) for c in choices for o in options]
            urls += [url_for(rule.endpoint, **values) for values in choices]
        urls += [url_for("respond.start", token=p.token) for p in participants]
        urls += [url_for("respond.api_state", token=p.token) for p in participants]
    return urls


def assert_every_page_renders(app, session, study_id: int) -> int:
    study = session.get(Study, study_id)
    client = app.test_client()
    login(client, study.owner.email, PASSWORD)
    urls = study_pages(app, study)
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code < 500, (url, response.status_code, response.get_data(as_text=True)[:300])
        response.close()
    session.rollback()
    return len(urls)


def test_an_imported_study_renders_on_every_page(app, session, document):
    owner = owner_of(session)
    report = exchange.study_from_json(session, document, owner, source="moved.json")
    assert report.participants == 4 and report.sorts == 3
    checked = assert_every_page_renders(app, session, report.study.id)
    assert checked > 40
    client = app.test_client()
    login(client, owner.email, PASSWORD)
    imported = {p.code: p for p in report.study.participants}
    # The page of a sort imported mid-grid shows its cards where the file had them.
    state = client.get(f"/s/{imported['DRAFT'].token}/api/state").json
    placed = sorted(p["score"] for p in state["state"]["placements"] if p["score"] is not None)
    stored = sorted(p["score"] for p in document["participants"][2]["sort"]["placements"] if p["score"] is not None)
    assert placed == stored and placed


# -- fuzzing: mutated valid exports ----------------------------------------------------------------------------

def paths_of(value, here=()):
    """Every path into ``value`` (lists by index, objects by key)."""
    yield here
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths_of(item, here + (key,))
    elif isinstance(value, list):
        for k, item in enumerate(value):
            yield from paths_of(item, here + (k,))


ODD_VALUES = st.one_of(
    st.sampled_from([None, "", "nonsense", 0, -1, 1, 2**31, 2**63, 2**70, -(2**70), 1e300, float("inf"), True,
                     [], {}, [0, 0], {"0": "agree"}, "\x00", "\udc80", "2026-02-30T10:00", "9999-12-31T23:59:59",
                     "1970-01-01T00:00:00+14:00", "en", "xx", "pile:agree", "grid:9", "=1+1", "a" * 70]),
    st.integers(), st.text(max_size=12),
    st.recursive(st.integers(-3, 3) | st.text(max_size=3), lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=6))

FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


def test_fuzzed_study_files_are_refused_clearly_or_render_everywhere(app, session, document):
    owner_id = owner_of(session).id
    paths = [p for p in paths_of(document) if p and p[0] not in ("format", "version", "exported_at")]
    imported: list[int] = []

    @FUZZ
    @given(changes=st.lists(st.tuples(st.sampled_from(paths), st.one_of(ODD_VALUES, st.just("<delete>"))),
                            min_size=1, max_size=3))
    def run(changes):
        mutated = copy.deepcopy(document)
        for path, value in changes:
            target = mutated
            try:
                for key in path[:-1]:
                    target = target[key]
                if value == "<delete>":
                    del target[path[-1]]
                else:
                    target[path[-1]] = value
            except (KeyError, IndexError, TypeError):
                continue  # an earlier change removed or replaced this part
        before = session.scalar(select(func.count(Study.id)))
        try:
            report = exchange.study_from_json(session, mutated, session.get(User, owner_id), source="f.json")
        except exchange.ExchangeError as error:
            assert str(error).startswith("f.json: ") and "\n" not in str(error), str(error)
            assert session.scalar(select(func.count(Study.id))) == before
            session.rollback()
            return
        imported.append(report.study.id)
        assert_every_page_renders(app, session, report.study.id)

    run()
    assert imported, "no mutated file was accepted: the fuzzing never reached the pages"
