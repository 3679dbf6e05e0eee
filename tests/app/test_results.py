"""The results pages: runs from the demo study and from the Lipset reference data, flags with undo, names,
segment exports, the snapshot, and who may see what."""
from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import numpy as np
import pytest
from sqlalchemy import select

from analysis.grid import infer_grid
from qsort import runs
from qsort.accounts import create_account
from qsort.demo import build_study
from qsort.demo.sorts import add_demo_sorts
from qsort.models import AnalysisRun, Participant, Placement, Sort, Statement, Study
from tests.factories import PASSWORD, csrf_from, login
from tests.paths import DATA

LIPSET = DATA / "reference" / "lipset"


@pytest.fixture
def demo(session):
    """Ana's copy of the demo study with its 15 simulated sorts; Bob is another researcher."""
    ana = create_account(session, email="ana@example.com", password=PASSWORD, name="Ana")
    create_account(session, email="bob@example.com", password=PASSWORD, name="Bob")
    study = build_study(ana)
    session.add(study)
    session.commit()
    assert add_demo_sorts(session, study) == 15
    return study


def _client(app, email="ana@example.com"):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def _make_run(client, study, nfactors=3, **fields):
    page = client.get(f"/studio/{study.id}/results/new")
    assert page.status_code == 200
    response = client.post(f"/studio/{study.id}/results/new",
                           data={"csrf_token": csrf_from(page), "nfactors": str(nfactors), **fields})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/results/(\d+)$", response.headers["Location"]).group(1))


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_setup_shows_the_evidence_and_the_solutions(app, demo):
    client = _client(app)
    page = _text(client.get(f"/studio/{demo.id}/results/new"))
    assert "<svg" in page and "Parallel analysis: 3 factors" in page
    assert "Kaiser:" in page and "Humphrey" in page
    solutions = re.search(r'<table class="data" id="solutions">(.*?)</table>', page, re.S).group(1)
    assert solutions.count("<tr") == 1 + 6  # header and the 2..7-factor solutions
    three = re.findall(r"<tr[^>]*>\s*<td class=\"num\">3</td>(.*?)</tr>", solutions, re.S)[0]
    assert {"price", "added-value", "strategy"} <= set(re.findall(r"· ([\w-]+)</span>", three))


def test_demo_analysis_finds_the_three_buyer_types_and_names_them(app, demo, session):
    client = _client(app)
    run_id = _make_run(client, demo)
    page = _text(client.get(f"/studio/{demo.id}/results/{run_id}"))
    record = session.get(AnalysisRun, run_id)
    found = runs.compute(record).found
    assert sorted(vp.archetype for vp in found.viewpoints) == ["added-value", "price", "strategy"]
    # Every simulated participant lands in the segment of its own type.
    for seg in found.segments:
        assert seg.status == "defining" and seg.archetype is not None
    # Accept the suggestions: the names are saved and used in the segment table.
    token = csrf_from(client.get(f"/studio/{demo.id}/results/{run_id}"))
    client.post(f"/studio/{demo.id}/results/{run_id}/names", data={"csrf_token": token, "accept": "1"})
    session.expire_all()
    assert {v["name"] for v in session.get(AnalysisRun, run_id).viewpoint_names.values()} == \
        {"price", "added-value", "strategy"}
    page = _text(client.get(f"/studio/{demo.id}/results/{run_id}"))
    table = re.search(r'id="segments-table">(.*?)</table>', page, re.S).group(1)
    shown = re.findall(r"<tr><td>(DEMO-\d+)</td><td class=\"segment\">([^<]+)</td>", table)
    assert len(shown) == 15
    by_code = dict(shown)
    # The codes were simulated in type order: 5 price, 5 added-value, 5 strategy.
    assert [by_code[f"DEMO-{k:02d}"] for k in (1, 6, 11)] == ["price", "added-value", "strategy"]
    assert len(set(by_code[f"DEMO-{k:02d}"] for k in range(1, 6))) == 1

    # Rename the price viewpoint and give it a colour: used on the page and in the export.
    price = next(vp.id for vp in found.viewpoints if vp.archetype == "price")
    client.post(f"/studio/{demo.id}/results/{run_id}/names",
                data={"csrf_token": token, f"name-{price}": "Cost cutters", f"colour-{price}": "#aa0000"})
    exported = client.get(f"/studio/{demo.id}/results/{run_id}/segments.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["segment"] for r in rows if r["participant"] in {f"DEMO-0{k}" for k in range(1, 6)}] == \
        ["Cost cutters"] * 5
    assert {r["relationship_stage"] for r in rows} >= {"partner", "acquaintance"}
    assert 'fill="#aa0000"' in client.get(f"/studio/{demo.id}/results/{run_id}").get_data(as_text=True)


def test_a_click_flags_and_undo_takes_it_back(app, demo, session):
    client = _client(app)
    run_id = _make_run(client, demo)
    record = session.get(AnalysisRun, run_id)
    before = runs.compute(record)
    token = csrf_from(client.get(f"/studio/{demo.id}/results/{run_id}"))
    row = 0
    factor = int(np.flatnonzero(before.result.flagged[row])[0])
    client.post(f"/studio/{demo.id}/results/{run_id}/flag", data={"csrf_token": token, "cell": f"{factor}|DEMO-01"})
    session.expire_all()
    record = session.get(AnalysisRun, run_id)
    assert record.steps == [{"participant": "DEMO-01", "factor": None}]
    after = runs.compute(record)
    assert not after.result.flagged[row].any()
    assert after.found.segments[row].status != "defining"
    assert record.result["flagged"][row] == [False] * 3  # the stored result is the recomputed one
    page = _text(client.get(f"/studio/{demo.id}/results/{run_id}"))
    assert "1 manual change" in page
    client.post(f"/studio/{demo.id}/results/{run_id}/undo", data={"csrf_token": token})
    session.expire_all()
    record = session.get(AnalysisRun, run_id)
    assert record.steps == [] and runs.compute(record).result.flagged[row, factor]


def test_a_run_keeps_its_sorts_and_says_when_newer_ones_exist(app, demo, session):
    client = _client(app)
    run_id = _make_run(client, demo)
    first = session.get(AnalysisRun, run_id).result["loadings"]
    assert "newer-sorts" not in client.get(f"/studio/{demo.id}/results/{run_id}").get_data(as_text=True)
    # One more complete sort arrives: the run does not change, the page says so.
    other = session.scalar(select(Sort).join(Participant).where(Participant.code == "DEMO-02"))
    # Read the placements before the newcomer exists: loading them autoflushes, and a half-built
    # participant outside the session would make SQLAlchemy warn (an error in this suite).
    scores = [(placement.statement_id, placement.score) for placement in other.placements]
    newcomer = Participant(study=demo, code="LATE", source="invite")
    session.add(newcomer)
    newcomer.sort = Sort(state="submitted", step="done",
                         placements=[Placement(statement_id=sid, score=score) for sid, score in scores])
    session.commit()
    page = _text(client.get(f"/studio/{demo.id}/results/{run_id}"))
    assert "1 sort was completed after this analysis was made" in page
    assert "LATE" not in page
    assert np.allclose(runs.compute(session.get(AnalysisRun, run_id)).result.loadings, np.asarray(first))


def test_filter_by_attribute_takes_only_those_sorts(app, demo, session):
    client = _client(app)
    run_id = _make_run(client, demo, nfactors=2, attribute="relationship_stage", value="partner")
    snap = session.get(AnalysisRun, run_id).snapshot
    partners = [p.code for p in demo.participants if (p.attributes or {}).get("relationship_stage") == "partner"]
    assert snap["participants"] == partners and snap["filter"] == {"attribute": "relationship_stage",
                                                                     "value": "partner"}


def test_bad_setup_is_refused_with_a_clear_message(app, demo, session):
    client = _client(app)
    page = client.get(f"/studio/{demo.id}/results/new")
    for data, message in (({"nfactors": "12"}, "Number of factors"), ({"nfactors": "x"}, "Number of factors"),
                          ({"nfactors": "2", "rotation": "spin"}, "unknown choice"),
                          ({"nfactors": "2", "attribute": "role", "value": "nobody"}, "at least 3 complete sorts")):
        response = client.post(f"/studio/{demo.id}/results/new", data={"csrf_token": csrf_from(page), **data})
        assert response.status_code == 400 and message in _text(response), data
    assert session.scalar(select(AnalysisRun)) is None


def test_viewpoint_page_grid_crib_sheet_quotes_and_would_pay(app, demo, session):
    client = _client(app)
    run_id = _make_run(client, demo)
    found = runs.compute(session.get(AnalysisRun, run_id)).found
    strategy = next(vp.id for vp in found.viewpoints if vp.archetype == "strategy")
    page = _text(client.get(f"/studio/{demo.id}/results/{run_id}/viewpoint/{strategy}"))
    assert page.count("<svg") >= 2 and "Composite sort" in page
    # The crib sheet's highest group holds the statements in the top column of the factor array.
    v = found.index(strategy)
    top = [found.statement_ids[i] for i in np.flatnonzero(found.factor_arrays[:, v] == 4)]
    crib = page.split("Ranked highest", 1)[1].split("Ranked higher than", 1)[0]
    assert sorted(re.findall(r"<td><strong>(\w+)</strong>", crib)) == sorted(top)
    assert "We want a supplier who thinks along about the next five years." in page
    pay = page.split('id="would-pay"', 1)[1]
    assert re.search(r'<td class="num">[1-5]</td><td class="num">0</td><td class="num">0</td>', pay)
    svg = client.get(f"/studio/{demo.id}/results/{run_id}/viewpoint/{strategy}/grid.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data and b"\xe2\x96\xba" in svg.data  # a ► mark
    assert client.get(f"/studio/{demo.id}/results/{run_id}/viewpoint/9x").status_code == 404
    strict = _text(client.get(f"/studio/{demo.id}/results/{run_id}/viewpoint/{strategy}?level=0.01"))
    assert strict.count("<tr>") <= page.count("<tr>")


def test_segment_export_is_spreadsheet_safe(app, demo, session):
    demo.participants[0].attributes = {**demo.participants[0].attributes, "crm": "=HYPERLINK(\"x\")"}
    session.commit()
    client = _client(app)
    run_id = _make_run(client, demo)
    text = client.get(f"/studio/{demo.id}/results/{run_id}/segments.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/studio/{demo.id}/results/{run_id}/segments.xlsx").data))
    cells = [c for row in book["segments"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "=HYPERLINK(\"x\")" for c in cells)
    assert client.get(f"/studio/{demo.id}/results/{run_id}/segments.pdf").status_code == 404


def test_runs_list_rename_delete(app, demo, session):
    client = _client(app)
    run_id = _make_run(client, demo)
    token = csrf_from(client.get(f"/studio/{demo.id}/results/"))
    client.post(f"/studio/{demo.id}/results/{run_id}/rename", data={"csrf_token": token, "name": "Spring wave"})
    assert "Spring wave" in client.get(f"/studio/{demo.id}/results/").get_data(as_text=True)
    client.post(f"/studio/{demo.id}/results/{run_id}/delete", data={"csrf_token": token})
    session.expire_all()
    assert session.get(AnalysisRun, run_id) is None


def test_another_researcher_sees_no_run_and_changes_nothing(app, demo, session):
    owner = _client(app)
    run_id = _make_run(owner, demo)
    stored = json.dumps(session.get(AnalysisRun, run_id).result, sort_keys=True)
    bob = _client(app, "bob@example.com")
    token = csrf_from(bob.get("/studio/"))
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("results."):
                continue
            values = {"study_id": demo.id, "run_id": run_id, "viewpoint_id": "1", "fmt": "csv"}
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                response = bob.open(url, method=method, data={"csrf_token": token, "name": "x", "accept": "1",
                                                               "cell": "0|DEMO-01"})
                assert response.status_code == 404, (method, url)
    session.expire_all()
    assert json.dumps(session.get(AnalysisRun, run_id).result, sort_keys=True) == stored
    # A run id of another study is not found through this study.
    other = build_study(session.scalar(select(Study).where(Study.id == demo.id)).owner)
    session.add(other)
    session.commit()
    assert owner.get(f"/studio/{other.id}/results/{run_id}").status_code == 404


# -- the Lipset reference data through the pages ------------------------------------------------------------

@pytest.fixture
def lipset(session):
    ana = create_account(session, email="ana@example.com", password=PASSWORD, name="Ana")
    rows = list(csv.reader(io.StringIO((LIPSET / "lipset.csv").read_text(encoding="utf-8"))))
    ids, body = rows[0][1:], rows[1:]
    matrix = np.array([[int(v) for v in row[1:]] for row in body])
    grid = infer_grid(matrix)
    study = Study(owner=ana, title="Lipset", status="open", grid_scores=list(grid.scores),
                  grid_heights=list(grid.heights), languages=["en"])
    study.statements = [Statement(code=row[0], text=f"Statement {row[0]}", position=i) for i, row in enumerate(body)]
    session.add(study)
    session.flush()
    for j, pid in enumerate(ids):
        placements = [Placement(statement=s, score=int(matrix[i, j])) for i, s in enumerate(study.statements)]
        sort = Sort(state="submitted", step="done", placements=placements)
        session.add(Participant(study=study, code=pid, source="import", sort=sort))
    session.commit()
    return study


@pytest.mark.parametrize("extraction,rotation", [("pca", "varimax"), ("centroid", "varimax"), ("pca", "none")])
def test_lipset_pages_show_the_reference_numbers(app, lipset, extraction, rotation):
    ref = json.loads((LIPSET / f"out_{extraction.upper() if extraction == 'pca' else extraction}_{rotation}"
                      / "results.json").read_text())
    client = _client(app)
    run_id = _make_run(client, lipset, nfactors=3, extraction=extraction, rotation=rotation)
    page = _text(client.get(f"/studio/{lipset.id}/results/{run_id}"))
    table = re.search(r'id="loadings-table">(.*?)</table>', page, re.S).group(1)
    shown = {}
    for row in re.findall(r'<tr data-participant="([^"]+)">(.*?)</tr>', table, re.S):
        values = re.findall(r'class="loading[^"]*"[^>]*>(-?\d\.\d\d)', row[1])
        flags = re.findall(r'aria-pressed="(true|false)"', row[1])
        shown[row[0]] = [(float(v), f == "true") for v, f in zip(values, flags)]
    reference = ref["loa_rotated"]
    flagged = ref["flagged"]["values"]
    assert list(shown) == reference["rownames"]
    for k, pid in enumerate(reference["rownames"]):
        # Factor order and sign aside (R's centroid may orient a factor the other way): compare |loading|s.
        expected = sorted((round(abs(v), 2), bool(f)) for v, f in zip(reference["values"][k], flagged[k]))
        got = sorted((abs(v), f) for v, f in shown[pid])
        assert [g[1] for g in got] == [e[1] for e in expected], pid
        assert [g[0] for g in got] == pytest.approx([e[0] for e in expected], abs=0.011), pid
    # The set-up page's eigenvalues are qmethod's.
    scree = _text(client.get(f"/studio/{lipset.id}/results/new"))
    titles = [float(v) for v in re.findall(r"<title>\d+: (\d+\.\d\d)</title>", scree)]
    assert titles == pytest.approx([round(e, 2) for e in ref["cor_eigenvalues"]], abs=0.006)


def test_make_run_demo_has_fifteen_marked_demo_sorts_once(app, session):
    from qsort.demo import install_demo
    from qsort.matrix import count_complete_sorts

    lines = install_demo(session, "http://x")
    install_demo(session, "http://x")
    study = session.scalar(select(Study))
    demo_people = [p for p in study.participants if p.source == "demo"]
    assert len(demo_people) == 15 and count_complete_sorts(session, study) == 15
    assert all(p.code.startswith("DEMO-") and p.attributes["demo"] == "simulated" for p in demo_people)
    assert {"relationship_stage", "role", "revenue_band"} <= set(demo_people[0].attributes)
    assert "15 simulated demo sorts" in lines[0]


@pytest.mark.parametrize("lang,words", [("nl", ["Standpunten en kopertypes", "Ladingen en markeringen"]),
                                        ("nb", ["Synspunkter og kjøpertyper", "Ladninger og markeringer"])])
def test_results_pages_speak_dutch_and_norwegian(app, demo, lang, words):
    client = _client(app)
    run_id = _make_run(client, demo)
    page = _text(client.get(f"/studio/{demo.id}/results/{run_id}?lang={lang}"))
    assert all(word in page for word in words)
    viewpoint = _text(client.get(f"/studio/{demo.id}/results/{run_id}/viewpoint/1"))
    assert ("Spiekbrief" if lang == "nl" else "Huskeliste") in viewpoint


def test_bipolar_viewpoints_have_their_own_pages(app, demo, session):
    client = _client(app)
    run_id = _make_run(client, demo, nfactors=2)
    ids = runs.compute(session.get(AnalysisRun, run_id)).found.ids
    assert "1+" in ids and "1-" in ids  # price and added-value buyers at the two ends of factor 1
    for vid in ("1+", "1-"):
        with app.test_request_context():
            from flask import url_for

            url = url_for("results.viewpoint", study_id=demo.id, run_id=run_id, viewpoint_id=vid)
        page = _text(client.get(url))
        assert f"({vid})" in page
        assert client.get(url + "/grid.svg").status_code == 200
