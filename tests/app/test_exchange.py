"""qsort.exchange: every export read back gives the same sorts, the whole study survives a move to a fresh
database through `qsort export`/`qsort import`, imports are all or nothing, the workbook has its sheets."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from qsort import exchange, matrix
from qsort.flow import COMPLETE_STATES
from qsort.cli import main as cli
from qsort.models import Participant, Study

from tests.factories import PASSWORD, SORT_A, SORT_B, SORT_C, make_participant, make_supplier_study, make_user
from tests.paths import DATASETS

FILE_FORMATS = ("csv", "pqmethod", "kenq", "kade")


@pytest.fixture
def study(session):
    study = make_supplier_study(session, make_user(session))
    make_participant(session, study, "C01", state="submitted", scores=SORT_A, attributes={"account": "Acme",
                                                                                        "region": "North"})
    make_participant(session, study, "C02", state="sorted", scores=SORT_B)       # grid submitted: counts
    make_participant(session, study, "C03", state="submitted", scores=SORT_C)
    make_participant(session, study, "DRAFT", state="presorted", scores=SORT_C)  # not complete: left out
    make_participant(session, study, "NEW")                                       # not started: left out
    make_participant(session, study, "PV", state="submitted", scores=SORT_A, source="preview")  # never
    return study


def empty_copy(session, study, title="Copy") -> Study:
    """A study with the same statements and grid and no participants (where imports go)."""
    return make_supplier_study(session, study.owner, title=title)


def sorts_by_code(study: Study) -> dict[str, dict[str, int]]:
    """participant code -> {statement code: score} for the complete, non-preview sorts."""
    out = {}
    for participant in study.participants:
        sort = participant.sort
        if participant.source == "preview" or sort is None or sort.state not in COMPLETE_STATES:
            continue
        codes = {s.id: s.code for s in study.statements}
        out[participant.code] = {codes[sid]: score for sid, score in sort.scores().items()}
    return out


def test_qdata_holds_only_complete_sorts_in_study_order(session, study):
    data = matrix.study_qdata(session, study)
    assert data.participant_ids == ["C01", "C02", "C03"]
    assert data.statement_ids == [f"S{k:02d}" for k in range(1, 10)]
    assert data.sorts[:, 0].tolist() == SORT_A and data.sorts[:, 2].tolist() == SORT_C
    assert data.grid.heights == (1, 2, 3, 2, 1)


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_each_export_imports_back_to_identical_sorts(session, study, fmt):
    export = exchange.export_study(session, study, fmt)
    assert export.content
    target = empty_copy(session, study)
    data, shown = exchange.read_upload({export.filename: export.content})
    report = exchange.import_sorts(session, target, data, shown)
    assert report.participants == ["C01", "C02", "C03"]
    # Our CSV and Ken-Q name statements by code; PQMethod and KADE number them.
    assert report.matched_by == ("code" if fmt in ("csv", "kenq") else "position")
    session.expire_all()
    assert sorts_by_code(target) == sorts_by_code(study)
    imported = [p for p in target.participants]
    assert {p.source for p in imported} == {"import"} and {p.sort.state for p in imported} == {"submitted"}


def test_pqmethod_export_is_a_zip_with_dat_and_sta(session, study):
    export = exchange.export_study(session, study, "pqmethod")
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        names = sorted(archive.namelist())
        assert [Path(n).suffix for n in names] == [".DAT", ".STA"]
        sta = archive.read(names[1]).decode()
    assert sta.splitlines()[0] == "Lowest price"


def test_dat_with_separate_sta_upload(session, study):
    export = exchange.export_study(session, study, "pqmethod")
    with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
        # uploaded as two files, the .STA's extension in lower case
        uploads = {name if name.endswith(".DAT") else name.lower(): archive.read(name) for name in archive.namelist()}
    target = empty_copy(session, study)
    data, shown = exchange.read_upload(uploads)
    assert shown.endswith(".DAT") and data.statement_texts[0] == "Lowest price"
    exchange.import_sorts(session, target, data, shown)
    session.expire_all()
    assert sorts_by_code(target) == sorts_by_code(study)


def test_eq_web_sort_json_import(session, study):
    records = {"-Nx1": {"randomId": "W1", "sort": "|".join(f"{v:+d}" for v in SORT_A)},
               "-Nx2": {"randomId": "W2", "sort": "|".join(f"{v:+d}" for v in SORT_B)}}
    data, shown = exchange.read_upload({"firebase.json": json.dumps(records).encode()})
    report = exchange.import_sorts(session, study, data, shown)
    assert report.matched_by == "position" and report.participants == ["W1", "W2"]
    session.expire_all()
    assert sorts_by_code(study)["W2"] == sorts_by_code(study)["C02"]


def import_problem(session, study, name, content) -> str:
    before = session.scalars(select(Participant.id)).all()
    with pytest.raises(Exception) as caught:
        data, shown = exchange.read_upload({name: content.encode()})
        exchange.import_sorts(session, study, data, shown)
    session.rollback()
    session.expire_all()
    assert session.scalars(select(Participant.id)).all() == before, "an import error saved something"
    return str(caught.value)


def test_import_errors_are_all_or_nothing_and_say_where(session, study):
    codes = ",".join(f"S{k:02d}" for k in range(1, 10))
    good = ",".join(map(str, SORT_A))
    # A Ken-Q file: the second sort has a typo (a score outside the grid), the first is fine.
    message = import_problem(session, study, "typo.csv",
                             f"ID,{codes}\nN1,{good}\nN2,{good.replace('-2', '-7')}\n")
    assert "participant 'N2'" in message and "-7" in message
    # An id that is already a participant code in the study (compared without case).
    message = import_problem(session, study, "taken.csv", f"ID,{codes}\nc01,{good}\n")
    assert "'c01'" in message and "already has a participant" in message
    # A sort that does not fill the grid: too many +2 cards.
    message = import_problem(session, study, "shape.csv",
                             f"ID,{codes}\nN3,{','.join(['2'] * 2 + ['0'] * 7)}\n")
    assert "column +2 has 2 cards" in message
    # Wrong number of statements.
    message = import_problem(session, study, "short.csv", "ID,a,b,c\nN4,1,0,-1\n")
    assert "3 statements, the study has 9" in message
    # Some ids are codes and some are not: ambiguous.
    mixed = codes.replace("S03", "X3")
    message = import_problem(session, study, "mixed.csv", f"ID,{mixed}\nN5,{good}\n")
    assert "'X3'" in message
    # A reader error names file, line and field.
    message = import_problem(session, study, "bad.csv", f"ID,{codes}\nN6,{good.replace('1', 'x', 1)}\n")
    assert "bad.csv:2: column" in message and "'x' is not a number" in message


def test_free_distribution_import_checks_the_range(session, study):
    target = empty_copy(session, study)
    target.free_distribution = True
    session.commit()
    codes = ",".join(f"S{k:02d}" for k in range(1, 10))
    message = import_problem(session, target, "range.csv", f"ID,{codes}\nF1,3,0,0,0,0,0,0,0,0\n")
    assert "outside the grid's range -2..2" in message
    data, shown = exchange.read_upload({"ok.csv": f"ID,{codes}\nF1,2,2,2,0,0,0,0,0,-1\n".encode()})
    exchange.import_sorts(session, target, data, shown)
    session.expire_all()
    assert sorts_by_code(target)["F1"]["S01"] == 2


def test_xlsx_has_the_sheets_and_rows(session, study):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exchange.export_study(session, study, "xlsx").content))
    assert book.sheetnames == ["sorts", "statements", "comments", "answers", "notes", "timings", "participants"]
    rows = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    assert rows["sorts"][0] == ("statement", "text", "C01", "C02", "C03")
    assert [r[2] for r in rows["sorts"][1:]] == SORT_A and len(rows["sorts"]) == 10
    assert rows["statements"][0] == ("position", "code", "text", "tags", "text_nl")
    assert rows["statements"][1] == (1, "S01", "Lowest price", "price", "Lowest price (nl)")
    # Comments: each complete sort has one top and one bottom card commented.
    assert len(rows["comments"]) == 1 + 3 * 2
    assert ("C01", "S01", "Lowest price", 2, "C01 needs lowest price", "yes") in rows["comments"]
    assert rows["answers"][0] == ("participant", "language", "question", "phase", "kind", "value", "label")
    assert ("C01", "en", "Your role?", "pre", "single", "buyer", "Buyer") in rows["answers"]
    assert len(rows["answers"]) == 1 + 3 * 2
    assert len(rows["notes"]) == 1 + 3
    assert rows["timings"][0][:5] == ("participant", "state", "started", "submitted", "total_seconds")
    assert "seconds_grid" in rows["timings"][0]
    c01 = next(r for r in rows["timings"] if r[0] == "C01")
    assert c01[1] == "submitted" and c01[4] == pytest.approx(12 * 60)
    assert rows["participants"][0] == ("participant", "code", "name", "email", "source", "language", "account",
                                       "region")
    assert rows["participants"][1][6:] == ("Acme", "North")
    assert len(rows["participants"]) == 4


def test_xlsx_answers_keep_the_value_and_the_label_the_participant_saw(session):
    """The demo study's questions answered in en, nl and nb: each answer row holds the stored value and, for
    choice and Likert questions, the label in the participant's language, as the study defines it."""
    from openpyxl import load_workbook

    from qsort.demo import build_study
    from qsort.models import Answer, Question

    study = build_study(make_user(session))
    study.questions.append(Question(position=len(study.questions), phase="post", kind="multiple",
                                    prompt={"en": "What do you buy from us?", "nl": "Wat koopt u bij ons?"},
                                    options=[{"value": "goods", "label": {"en": "Goods", "nl": "Goederen"}},
                                             {"value": "service", "label": {"en": "Service, 24/7",
                                                                            "nl": "Service, dag en nacht"}}]))
    session.add(study)
    session.commit()
    by_kind = {}
    for question in study.questions:
        by_kind.setdefault(question.kind, []).append(question)
    role, size = by_kind["single"]
    given = {  # participant code -> (language, {question: value})
        "EN1": ("en", {role: "buyer", size: "10-49", by_kind["likert"][0]: 5, by_kind["number"][0]: 7,
                       by_kind["multiple"][0]: ["goods", "service"], by_kind["text"][0]: "Speed"}),
        "NL1": ("nl", {role: "decider", size: "1000+", by_kind["likert"][0]: 1,
                       by_kind["multiple"][0]: ["service"]}),
        "NB1": ("nb", {role: "other", by_kind["likert"][0]: 3, by_kind["number"][0]: 12}),
    }
    scores = [score for score, height in zip(study.grid_scores, study.grid_heights) for _ in range(height)]
    for code, (language, answers) in given.items():
        person = make_participant(session, study, code, state="submitted", scores=scores, with_extras=False)
        person.language = language
        for question, value in answers.items():
            person.sort.answers.append(Answer(question_id=question.id, value=value))
    session.commit()

    book = load_workbook(io.BytesIO(exchange.export_study(session, study, "xlsx").content))
    header, *rows = book["answers"].iter_rows(values_only=True)
    assert header == ("participant", "language", "question", "phase", "kind", "value", "label")
    assert len(rows) == sum(len(answers) for _language, answers in given.values())
    prompts = {question.prompt["en"]: question for question in study.questions}
    for code, language, prompt, phase, kind, value, label in rows:
        question = prompts[prompt]
        expected = given[code][1][question]
        assert (language, phase, kind) == (given[code][0], question.phase, question.kind)
        if kind in ("single", "multiple"):  # the label from the study's option list, in the participant's language
            values = expected if isinstance(expected, list) else [expected]
            assert value == "; ".join(values)
            options = {o["value"]: o["label"] for o in question.options}
            assert label == "; ".join(options[v].get(language) or options[v]["en"] for v in values)
        elif kind == "likert":  # the point, and its label where the scale has one
            ends = question.settings["labels"]
            assert value == expected
            assert label == (f"{expected} · {ends[expected - 1][language]}" if ends[expected - 1] else str(expected))
        else:
            assert (value, label) == (expected, None)
    found = {(row[0], row[2][:12]): row[5:] for row in rows}
    assert found[("EN1", "How many peo")] == ("10-49", "10–49")
    assert found[("NL1", "How many peo")] == ("1000+", "1.000 of meer")
    assert found[("NL1", "What is your")] == ("decider", "Ik neem de eindbeslissing")
    assert found[("NB1", "What is your")] == ("other", "Annet")
    assert found[("NB1", "Overall, I a")] == (3, "3")
    assert found[("NL1", "Overall, I a")] == (1, "1 · Helemaal oneens")
    assert found[("EN1", "What do you ")] == ("goods; service", "Goods; Service, 24/7")


def test_no_complete_sorts_is_a_clear_error(session):
    study = make_supplier_study(session, make_user(session))
    with pytest.raises(exchange.ExchangeError, match="no complete sorts"):
        exchange.export_study(session, study, "csv")
    assert exchange.export_study(session, study, "json").content  # the study itself can always be exported


def test_pqmethod_refuses_long_codes_with_a_reason(session, study):
    make_participant(session, study, "A-VERY-LONG-CODE", state="submitted", scores=SORT_A)
    with pytest.raises(exchange.ExchangeError, match="at most 10 characters"):
        exchange.export_study(session, study, "pqmethod")


# -- the whole study through `qsort export` and `qsort import` into a fresh database ---------------------

def snapshot(study: Study) -> dict:
    """Everything that must survive a move, without database ids (statements by position)."""
    pos = {s.id: s.position for s in study.statements}
    questions = {q.id: q.position for q in study.questions}
    people = {}
    for p in study.participants:
        if p.source == "preview":
            continue
        sort = p.sort
        people[p.code] = {
            "name": p.name, "email": p.email, "attributes": p.attributes, "source": p.source,
            "sort": None if sort is None else {
                "state": sort.state, "step": sort.step, "step_seconds": sort.step_seconds,
                "started_at": sort.started_at, "submitted_at": sort.submitted_at,
                "grid_submitted_at": sort.grid_submitted_at,
                "placements": sorted((pos[pl.statement_id], pl.score, pl.slot) for pl in sort.placements),
                "comments": sorted((pos[c.statement_id], c.text, c.would_pay) for c in sort.comments),
                "answers": sorted((questions[a.question_id], json.dumps(a.value)) for a in sort.answers),
                "notes": sorted(n.text for n in sort.notes),
                "moves": [(pos[m.statement_id], m.from_place, m.to_place, m.client_seq) for m in sort.moves]}}
    return {
        "study": {name: getattr(study, name) for name in exchange.STUDY_FIELDS if name != "open_link_token"},
        "statements": [(s.position, s.code, s.text, s.tags, s.translations) for s in study.statements],
        "questions": [(q.position, q.phase, q.kind, q.prompt, q.options, q.required) for q in study.questions],
        "participants": people,
    }


def test_whole_study_json_through_the_cli_into_a_fresh_database(session, study, app, tmp_path, monkeypatch,
                                                                 empty_database_url):
    # Export with the CLI from the test database.
    env_old = {"QSORT_DATABASE_URL": app.config["DATABASE_URL"], "QSORT_SECRET_KEY": "x"}
    runner = CliRunner()
    exported = tmp_path / "study.json"
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["export", str(study.id), "--format", "json", "-o", str(exported)], env=env_old)
    assert result.exit_code == 0, result.output
    document = json.loads(exported.read_text())
    assert [p["code"] for p in document["participants"]] == ["C01", "C02", "C03", "DRAFT", "NEW"]  # no preview

    fresh_url = empty_database_url
    env_new = {"QSORT_DATABASE_URL": fresh_url, "QSORT_SECRET_KEY": "x"}
    assert runner.invoke(cli, ["init-db"], env=env_new).exit_code == 0
    assert runner.invoke(cli, ["create-user", "new@example.com", "--password", PASSWORD],
                         env=env_new).exit_code == 0
    result = runner.invoke(cli, ["import", str(exported), "--owner", "new@example.com"], env=env_new)
    assert result.exit_code == 0, result.output
    assert "5 participants, 4 sorts; 0 links got new tokens" in result.output

    session.expire_all()
    original = session.get(Study, study.id)
    engine = create_engine(fresh_url)
    try:
        with Session(engine) as fresh:
            [copy] = fresh.scalars(select(Study)).all()
            assert copy.owner.email == "new@example.com"
            assert snapshot(copy) == snapshot(original)
            # Tokens were free in the fresh database, so the links sent out keep working.
            assert copy.open_link_token == original.open_link_token
            assert {p.code: p.token for p in copy.participants} == \
                   {p.code: p.token for p in original.participants if p.source != "preview"}
    finally:
        engine.dispose()

    # Importing the same file again into the same database: new tokens, because the old ones are taken.
    result = runner.invoke(cli, ["import", str(exported)], env=env_new)  # the only researcher owns it
    assert result.exit_code == 0, result.output
    assert "6 links got new tokens" in result.output


def test_study_json_import_errors_name_the_place_and_save_nothing(session, study):
    document = exchange.study_to_json(session, study)
    document["participants"][1]["sort"]["placements"][3]["statement"] = 99
    before = session.scalars(select(Study.id)).all()
    with pytest.raises(exchange.ExchangeError, match=r"participants\[1\]\.sort\.placements\[3\]\.statement"):
        exchange.study_from_json(session, document, study.owner, source="moved.json")
    assert session.scalars(select(Study.id)).all() == before
    with pytest.raises(exchange.ExchangeError, match="format: expected 'qsort-study'"):
        exchange.study_from_json(session, {"format": "other"}, study.owner)


def test_cli_import_sorts_into_an_existing_study(session, study, app, tmp_path):
    target = empty_copy(session, study)
    export = exchange.export_study(session, study, "kade")
    path = tmp_path / export.filename
    path.write_bytes(export.content)
    env = {"QSORT_DATABASE_URL": app.config["DATABASE_URL"], "QSORT_SECRET_KEY": "x"}
    result = CliRunner().invoke(cli, ["import", str(path), "--study", str(target.id)], env=env)
    assert result.exit_code == 0, result.output
    assert "Imported 3 sorts" in result.output and "by position" in result.output
    result = CliRunner().invoke(cli, ["import", str(path), "--study", str(target.id)], env=env)
    assert result.exit_code == 1 and "already has a participant" in result.output
    session.expire_all()
    assert sorts_by_code(session.get(Study, target.id)) == sorts_by_code(study)


def test_sorts_matrix_matches_placements(session, study):
    data = matrix.study_qdata(session, study)
    assert np.array_equal(data.sorts, np.array([SORT_A, SORT_B, SORT_C]).T)


# -- real data -----------------------------------------------------------------------------------------

KOC = DATASETS / "koc"


def koc_study(session, codes: bool) -> Study:
    """A study holding the koc Q-set (36 statements, grid -5..5), with or without the file's codes."""
    import csv

    from qsort.models import Statement

    with open(KOC / "koc_statements.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    study = Study(owner=make_user(session), title="koc", status="open", grid_scores=list(range(-5, 6)),
                  grid_heights=[1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1])
    for k, row in enumerate(rows):
        study.statements.append(Statement(position=k, code=row["statement"] if codes else "", text=row["text"]))
    session.add(study)
    session.commit()
    return study


@pytest.mark.parametrize("codes", [True, False])
def test_real_study_imports_and_exports_unchanged(session, tmp_path, codes):
    from analysis.formats import read_sorts

    study = koc_study(session, codes)
    original = read_sorts(KOC / "koc.csv")
    report = exchange.import_sorts(session, study, original, "koc.csv")
    assert report.matched_by == ("code" if codes else "position")
    assert len(report.participants) == 38
    session.expire_all()
    again = matrix.study_qdata(session, session.get(Study, study.id))
    assert again.participant_ids == original.participant_ids
    assert np.array_equal(again.sorts, original.sorts)
    assert str(again.grid) == "-5..+5: 1,2,3,4,5,6,5,4,3,2,1"


def test_study_json_settings_are_checked(session, study):
    document = exchange.study_to_json(session, study)
    document["study"]["grid_heights"] = [1, 2]
    with pytest.raises(exchange.ExchangeError, match=r"study.grid_heights: 2 heights for 5 scores"):
        exchange.study_from_json(session, document, study.owner)
    document = exchange.study_to_json(session, study)
    document["study"]["status"] = "archived"
    with pytest.raises(exchange.ExchangeError, match="study.status: 'archived'"):
        exchange.study_from_json(session, document, study.owner)


def test_a_whole_study_json_on_the_sorts_import_says_what_to_do(session, study):
    content = exchange.export_study(session, study, "json").content
    with pytest.raises(exchange.ExchangeError, match="whole-study export"):
        exchange.read_upload({"s.qsort.json": content})
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("backup/s.qsort.json", content)
    with pytest.raises(exchange.ExchangeError, match="backup.zip!s.qsort.json is a whole-study export"):
        exchange.read_upload({"backup.zip": zipped.getvalue()})


def test_xlsx_never_turns_participant_text_into_formulas(session, study):
    from openpyxl import load_workbook

    from qsort.models import CardComment

    c01 = next(p for p in study.participants if p.code == "C01")
    comment = session.scalars(select(CardComment).where(CardComment.sort_id == c01.sort.id)).first()
    comment.text = '=HYPERLINK("http://evil.example","click")'
    session.commit()
    book = load_workbook(io.BytesIO(exchange.export_study(session, study, "xlsx").content))
    cells = [cell for row in book["comments"].iter_rows() for cell in row if cell.value == comment.text]
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_a_zip_bomb_upload_is_refused_before_anything_is_unpacked(monkeypatch):
    """Four members of 20 MB each (a few KB zipped): each passes a per-member limit, together they are over the
    archive's total, so the studio upload refuses the ZIP, unpacking nothing and writing nothing to disk."""
    from analysis.formats import MAX_ARCHIVE_BYTES, FormatError

    member = b"0" * (20 * 2**20)
    assert 4 * len(member) > MAX_ARCHIVE_BYTES
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(4):
            archive.writestr(f"part{n}.csv", member)
    assert len(bomb.getvalue()) < 2**20
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *args, **kwargs: pytest.fail("a member was unpacked"))
    with pytest.raises(FormatError, match="unpack to 80 MB together") as caught:
        exchange.read_upload({"bomb.zip": bomb.getvalue()})
    assert caught.value.file == "bomb.zip"
