"""The studio's data page: downloads of every export, uploads of sorts (all or nothing), access rules."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from sqlalchemy import select

from qsort.models import Participant, Study

from tests.factories import (SORT_A, SORT_B, SORT_C, Respondent, csrf_from, login, make_participant,
                             make_supplier_study, make_user, valid_placements)

MIMETYPES = {"csv": "text/csv", "pqmethod": "application/zip", "kenq": "application/zip", "kade": "application/zip",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "json": "application/json"}


@pytest.fixture
def study(session):
    study = make_supplier_study(session, make_user(session))
    make_participant(session, study, "C01", state="submitted", scores=SORT_A)
    make_participant(session, study, "C02", state="submitted", scores=SORT_B)
    make_participant(session, study, "C03", state="sorted", scores=SORT_C)
    make_participant(session, study, "PV", state="submitted", scores=SORT_A, source="preview")
    return study


@pytest.fixture
def target(session, study):
    """An empty study with the same statements and grid, to import into."""
    return make_supplier_study(session, study.owner, title="Target")


@pytest.fixture
def ana(auth, study):
    return auth.login("ana@example.com")


def upload(client, study, files: list[tuple[bytes, str]], with_csrf=True):
    token = csrf_from(client.get(f"/studio/{study.id}/data/import"))
    data = {"files": [(io.BytesIO(content), name) for content, name in files]}
    if with_csrf:
        data["csrf_token"] = token
    return client.post(f"/studio/{study.id}/data/import", data=data, content_type="multipart/form-data")


def imported_codes(session, study):
    session.expire_all()
    return sorted(session.scalars(select(Participant.code).where(Participant.study_id == study.id)))


def test_data_page_counts_complete_sorts(ana, study):
    page = ana.get(f"/studio/{study.id}/data").get_data(as_text=True)
    assert '<strong>3</strong><span>Complete sorts' in page.replace("\n", "")
    for fmt in MIMETYPES:
        assert f"/studio/{study.id}/data/export/{fmt}" in page


@pytest.mark.parametrize("fmt", list(MIMETYPES))
def test_every_export_downloads(ana, study, fmt):
    response = ana.get(f"/studio/{study.id}/data/export/{fmt}")
    assert response.status_code == 200
    assert response.mimetype == MIMETYPES[fmt]
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    if fmt == "csv":
        assert body.decode().splitlines()[0] == '"statement","C01","C02","C03"'
    elif fmt == "json":
        assert [p["code"] for p in json.loads(body)["participants"]] == ["C01", "C02", "C03"]
    elif MIMETYPES[fmt] == "application/zip":
        assert zipfile.ZipFile(io.BytesIO(body)).namelist()


@pytest.mark.parametrize("fmt", ["csv", "pqmethod", "kenq", "kade"])
def test_export_then_upload_gives_the_same_sorts(ana, study, target, session, fmt):
    response = ana.get(f"/studio/{study.id}/data/export/{fmt}")
    name = response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    result = upload(ana, target, [(response.get_data(), name)])
    assert result.status_code == 302, result.get_data(as_text=True)[-2000:]
    assert imported_codes(session, target) == ["C01", "C02", "C03"]
    session.expire_all()
    scores = {p.code: sorted((pl.statement.code, pl.score) for pl in p.sort.placements)
              for p in session.get(Study, target.id).participants}
    original = {p.code: sorted((pl.statement.code, pl.score) for pl in p.sort.placements)
                for p in session.get(Study, study.id).participants if p.source != "preview"}
    assert scores == original
    page = ana.get(f"/studio/{target.id}/participants?status=completed").get_data(as_text=True)
    assert "Imported 3 sorts" in page and page.count('data-status="completed"') == 3


def test_upload_errors_are_listed_and_nothing_is_saved(ana, target, session):
    codes = ",".join(f"S{k:02d}" for k in range(1, 10))
    good = ",".join(map(str, SORT_A))
    bad = ",".join(map(str, [2, 2] + SORT_A[2:]))
    response = upload(ana, target, [(f"ID,{codes}\nN1,{good}\nN2,{bad}\n".encode(), "sorts.csv")])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page and "participant &#39;N2&#39;" in page and "column +2 has 2 cards" in page
    assert imported_codes(session, target) == []
    response = upload(ana, target, [(b"not a zip", "project.zip")])
    assert response.status_code == 400 and imported_codes(session, target) == []
    response = upload(ana, target, [(b"\x00\x01", "picture.png")])
    assert response.status_code == 400 and "not a file type" in response.get_data(as_text=True)
    response = upload(ana, target, [])
    assert response.status_code == 400


def test_uploads_are_read_in_memory_and_leave_no_file_in_the_temporary_folder(ana, study, target, session, tmp_path,
                                                                              monkeypatch):
    """A .DAT with its .STA as two uploads, then a zipped export: read in memory, never through a temporary
    folder (the temporary folder stays empty, and the helpers that make named temporary files are not called)."""
    import tempfile

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    made = []
    for name in ("mkdtemp", "mkstemp", "TemporaryDirectory", "NamedTemporaryFile"):
        original = getattr(tempfile, name)
        monkeypatch.setattr(tempfile, name, lambda *a, _name=name, _original=original, **k: (made.append(_name),
                                                                                             _original(*a, **k))[1])
    export = ana.get(f"/studio/{study.id}/data/export/pqmethod").get_data()
    with zipfile.ZipFile(io.BytesIO(export)) as archive:
        dat, sta = sorted(archive.namelist())
        files = [(archive.read(dat), dat), (archive.read(sta), sta.lower())]
    result = upload(ana, target, files)
    assert result.status_code == 302, result.get_data(as_text=True)[-2000:]
    assert imported_codes(session, target) == ["C01", "C02", "C03"]
    other = make_supplier_study(session, study.owner, title="Other")
    result = upload(ana, other, [(export, "study-pqmethod.zip")])
    assert result.status_code == 302 and imported_codes(session, other) == ["C01", "C02", "C03"]
    assert made == [] and list(private.iterdir()) == []


def test_upload_needs_csrf(ana, target, session):
    codes = ",".join(f"S{k:02d}" for k in range(1, 10))
    response = upload(ana, target, [(f"ID,{codes}\nN1,{','.join(map(str, SORT_A))}\n".encode(), "s.csv")],
                      with_csrf=False)
    assert response.status_code == 400 and imported_codes(session, target) == []


def test_export_problem_is_explained(ana, study, session):
    make_participant(session, study, "A-VERY-LONG-CODE", state="submitted", scores=SORT_A)
    response = ana.get(f"/studio/{study.id}/data/export/pqmethod", follow_redirects=True)
    assert "could not be made" in response.get_data(as_text=True)
    assert "10 characters" in response.get_data(as_text=True)
    assert ana.get(f"/studio/{study.id}/data/export/nonsense").status_code == 404


def test_another_researchers_study_is_404(ana, session):
    theirs = make_supplier_study(session, make_user(session, "bob@example.com", "Bob"), title="Bob's")
    make_participant(session, theirs, "B1", state="submitted", scores=SORT_A)
    for url in (f"/studio/{theirs.id}/data", f"/studio/{theirs.id}/data/export/json",
                f"/studio/{theirs.id}/data/export/xlsx", f"/studio/{theirs.id}/data/import"):
        assert ana.get(url).status_code == 404, url
    token = csrf_from(ana.get("/studio/"))
    response = ana.post(f"/studio/{theirs.id}/data/import", data={"csrf_token": token},
                        content_type="multipart/form-data")
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(client, study):
    for url in (f"/studio/{study.id}/data", f"/studio/{study.id}/data/export/csv", f"/studio/{study.id}/data/import"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_real_participant_flow_shows_up_in_progress_and_exports(client, session):
    """Invite in the studio, sort through the respond flow (separate browser session), see it in the studio."""
    study = make_supplier_study(session, make_user(session))
    researcher = client.application.test_client()
    assert login(researcher, "ana@example.com").status_code == 302
    token = csrf_from(researcher.get(f"/studio/{study.id}/participants"))
    researcher.post(f"/studio/{study.id}/participants/invite", data={"csrf_token": token, "code": "R1",
                                                                     "name": "Real Person"})
    session.expire_all()
    person = session.scalar(select(Participant).where(Participant.code == "R1"))

    walker = Respondent(client, person.token)
    walker.consent()
    pre, post = study.questions
    assert walker.post("/questions/pre", {f"q{pre.id}": "engineer"}).status_code == 302
    walker.get("/instructions")
    walker.post("/instructions", {"submit": "Continue"})
    page = researcher.get(f"/studio/{study.id}/participants").get_data(as_text=True)
    assert f'id="p-{person.id}" data-status="in_progress"' in page and "at: Pre-sort" in page

    presort = {str(s.id): "neutral" for s in study.statements}
    assert walker.post_json("/api/draft", {"revision": 1, "step": "presort", "presort": presort}).status_code == 200
    assert walker.post_json("/api/submit", {"revision": 2, "placements": valid_placements(study)}).status_code == 200
    top = study.statements[-1]  # valid_placements puts the last statement at +2
    walker.get("/postsort")
    walker.post("/postsort", {f"comment_{top.id}": "Green matters", f"would_pay_{top.id}": "depends"})
    walker.get("/questions")
    assert walker.post("/questions", {f"q{post.id}": "Nothing else"}).status_code == 302

    page = researcher.get(f"/studio/{study.id}/participants?status=completed").get_data(as_text=True)
    assert f'id="p-{person.id}" data-status="completed"' in page
    page = researcher.get(f"/studio/{study.id}/participants/{person.id}").get_data(as_text=True)
    assert "Green matters" in page and "Would pay more:" in page and "Engineer" in page and "Nothing else" in page
    csv_text = researcher.get(f"/studio/{study.id}/data/export/csv").get_data(as_text=True)
    assert csv_text.splitlines()[0] == '"statement","R1"'
    assert csv_text.splitlines()[1] == '"S01",-2'


def test_overview_list_and_data_tab_count_the_same_complete_sorts(ana, study):
    """Complete = the grid was submitted (flow.COMPLETE_STATES): C01 and C02 finished, C03 is still on the
    questions after the sort; the preview never counts. Every page says 3."""
    pattern = r"<strong>(\d+)</strong><span>Complete sorts</span>"
    overview = ana.get(f"/studio/{study.id}").get_data(as_text=True)
    data_tab = ana.get(f"/studio/{study.id}/data").get_data(as_text=True)
    listing = ana.get("/studio/").get_data(as_text=True)
    assert re.findall(pattern, overview) == re.findall(pattern, data_tab) == ["3"]
    row = listing[listing.index(study.title):].split("</tr>")[0]
    assert re.findall(r'<td class="num">(\d+)</td>', row)[-1] == "3"


def test_data_page_says_where_the_complete_sorts_come_from(ana, study, session):
    from qsort import matrix

    make_participant(session, study, "IMP", state="submitted", scores=SORT_B, source="import", with_extras=False)
    make_participant(session, study, "DEMO", state="submitted", scores=SORT_B, source="demo", with_extras=False)
    paper = make_participant(session, study, "PAP", state="submitted", scores=SORT_C, with_extras=False)
    paper.sort.source = "paper"
    led = make_participant(session, study, "INT", state="sorted", scores=SORT_C, with_extras=False)
    led.sort.source = "interview"
    make_participant(session, study, "DRAFT", state="presorted", scores=SORT_C, source="import", with_extras=False)
    session.commit()
    assert matrix.count_complete_sorts_by_origin(session, study) == {
        "online": 3, "interview": 1, "paper": 1, "import": 1, "demo": 1}  # C01-C03; never the preview or a draft
    page = ana.get(f"/studio/{study.id}/data").get_data(as_text=True)
    shown = dict(re.findall(r'<tr data-origin="(\w+)"><th scope="row">[^<]+</th><td class="num">(\d+)</td>', page))
    assert shown == {"online": "3", "interview": "1", "paper": "1", "import": "1", "demo": "1"}
    assert re.findall(r"<strong>(\d+)</strong><span>Complete sorts</span>", page) == ["7"]
