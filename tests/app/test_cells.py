"""Control characters stopped at the door and made harmless on the way out; every exported text cell a
spreadsheet would run is neutralised by the one neutraliser (issue 10 items 3 and 4)."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from qsort.cells import spreadsheet_text, strip_control_characters, unescape_spreadsheet_text
from qsort.exchange.exports import export_study
from qsort.invites import links_csv, parse_invite_csv
from qsort.models import CardComment, Participant, Sort
from qsort.statements import import_csv, statements_csv

from tests.databases import ENGINE
from tests.factories import SORT_A, SORT_B, make_participant, make_user
from tests.factories import make_supplier_study as make_study

DANGEROUS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(1)", "\tx", "\r=1"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_the_neutraliser_makes_formulas_text_and_can_be_undone(value):
    safe = spreadsheet_text(value)
    assert safe.startswith("'") and unescape_spreadsheet_text(safe) == strip_control_characters(value)


@pytest.mark.parametrize("value", ["-3", "+4", "1e5", "Lowest price", "", None, 7, 2.5])
def test_numbers_and_plain_text_stay_as_they_are(value):
    assert spreadsheet_text(value) == value


def test_control_characters_go_but_tab_and_line_breaks_stay():
    assert strip_control_characters("a\x0bb\x00c\x1fd\x7fe\tf\ng\rh") == "abcde\tf\ng\rh"


# SQLite stores a NUL that older versions let in; PostgreSQL never could, so there the old row holds another
# control character.
STORABLE_NUL = "\x00" if ENGINE == "sqlite" else "\x1f"


@pytest.fixture
def poisoned(session):
    """A study with what the door now refuses but older databases may hold: a vertical tab in a comment, a
    NUL in a statement, control characters in attributes; and participant codes that are formulas."""
    study = make_study(session, make_user(session))
    first = make_participant(session, study, "=HYPERLINK(\"http://evil\",\"x\")", state="submitted", scores=SORT_A,
                             attributes={"account": "=cmd|' /C calc'!A0", "note": "line\x0bbreak"})
    make_participant(session, study, "+1+1", state="submitted", scores=SORT_B, name="@SUM(1)")
    make_participant(session, study, "@SUM(1)", state="submitted", scores=SORT_A)
    study.statements[0].text = f"Lowest{STORABLE_NUL} price"
    first.sort.comments.append(CardComment(statement_id=study.statements[1].id, text="Pasted\x0bfrom Word"))
    session.commit()
    return study


def all_cells(book):
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_the_xlsx_export_opens_with_no_formula_whatever_is_stored(session, poisoned):
    content = export_study(session, poisoned, "xlsx").content
    book = load_workbook(io.BytesIO(content))
    cells = all_cells(book)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell is a formula"
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str)), "text is text, exactly as written"
    header = book["sorts"][1]
    assert [c.data_type for c in header if c.value == "=HYPERLINK(\"http://evil\",\"x\")"] == ["s"], "headers too"
    assert "Pastedfrom Word" in texts and "Lowest price" in texts


def test_csv_and_kenq_headers_are_neutralised(session, poisoned):
    header = next(csv.reader(io.StringIO(export_study(session, poisoned, "csv").content.decode("utf-8"))))
    assert header[0] == "statement" and set(header[1:]) == {"'=HYPERLINK(\"http://evil\",\"x\")", "'+1+1", "'@SUM(1)"}
    with zipfile.ZipFile(io.BytesIO(export_study(session, poisoned, "kenq").content)) as archive:
        table = next(n for n in archive.namelist() if n.endswith(".csv"))
        text = archive.read(table).decode("utf-8")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
    assert "'+1+1" in cells


def test_links_csv_neutralises_names_and_attributes(session, poisoned):
    people = list(poisoned.participants)
    rows = list(csv.reader(io.StringIO(links_csv(people, "https://q.example"))))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "-"))]
    assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(1)" in cells and "linebreak" in cells


def test_statements_csv_round_trips_through_the_neutraliser(session):
    study = make_study(session, make_user(session))
    study.statements[0].text = "=1+1 is what we pay"
    session.commit()
    exported = statements_csv(study)
    assert "'=1+1 is what we pay" in exported
    target = make_study(session, study.owner, title="Target", status="draft", n_questions=0)
    target.statements.clear()
    session.commit()
    imported = import_csv(session, target, exported.encode("utf-8"))
    assert imported[0].text == "=1+1 is what we pay"


def test_uploads_lose_their_control_characters_at_the_door(session):
    study = make_study(session, make_user(session), status="draft", n_questions=0)
    study.statements.clear()
    session.commit()
    imported = import_csv(session, study, b"code,text\nA1,Lowest\x00 price\nA2,Fast\x0b delivery\n")
    assert [s.text for s in imported] == ["Lowest price", "Fast delivery"]
    invitees, problems = parse_invite_csv("code,name,email,account\nX1,Ana\x0b,ana@example.com,Acme\x00 BV\n")
    assert not problems and invitees[0].name == "Ana" and invitees[0].attributes["account"] == "Acme BV"


def test_a_comment_with_a_vertical_tab_is_stored_without_it(respondent, small_study, session):
    from tests.factories import valid_placements

    study, token = small_study
    respondent.through_instructions()
    placements = valid_placements(study)
    assert respondent.post_json("/api/submit", {"revision": 1, "placements": placements}).status_code == 200
    page = respondent.get("/postsort").get_data(as_text=True)
    fields = {name for name in __import__("re").findall(r'name="(comment_[^"]+)"', page)}
    assert fields, "the post-sort page asks for comments"
    response = respondent.post("/postsort", {name: "Pasted\x0bfrom\x00 Word" for name in fields})
    assert response.status_code == 302
    session.expire_all()
    sort = session.query(Sort).join(Participant).filter(Participant.token == token).one()
    assert sort.comments and {c.text for c in sort.comments} == {"Pastedfrom Word"}
