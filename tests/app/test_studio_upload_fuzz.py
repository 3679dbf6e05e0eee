"""Property-based fuzzing of every studio upload (issue 10, items 4 and 7): sorts import (any file type the page
takes, ZIPs included), statements CSV and invites CSV. Whatever the body, the answer is a redirect (imported) or a
4xx page with a clear message, never a 500; and a refused upload leaves every table exactly as it was.
(The whole-study JSON is imported with `qsort import`, not uploaded: tests/app/test_study_import_check.py fuzzes
it.)"""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.factories import csrf_from, make_supplier_study, make_user

TABLES = ("study", "statement", "question", "participant", "sort", "placement", "move")
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
ERROR_MARKS = ("notice-error", "field-error", "flash-error")


@pytest.fixture
def studio(app, session, auth):
    """A draft study of 9 statements (grid -2..2) owned by the logged-in researcher, and a CSRF token."""
    study = make_supplier_study(session, make_user(session), status="draft")
    client = auth.login()
    token = csrf_from(client.get(f"/studio/{study.id}/data/import"))
    return client, study, token


def dump(session) -> list:
    session.expire_all()
    rows = [session.execute(text(f"SELECT * FROM {table} ORDER BY id")).all() for table in TABLES]
    session.rollback()
    return rows


# -- bodies ----------------------------------------------------------------------------------------------------

cells = st.one_of(st.integers(-5, 5).map(str), st.sampled_from(["", "S01", "x", "1e400", "-9223372036854775809",
                                                                "=1+1", '"', "\x00", "nan", "ID", "statement"]),
                  st.text(max_size=6))


def csv_text(rows):
    return "\n".join(",".join(row) for row in rows)


csv_bodies = st.one_of(
    st.lists(st.lists(cells, min_size=1, max_size=12), max_size=12).map(csv_text).map(str.encode),
    st.builds(lambda n, s: ("ID,S01\nP1," + "1" * n + "\n").encode() if s else
              ("statement,P1\nS01," + "a" * n + "\n").encode(), st.integers(100_000, 200_000), st.booleans()),
    st.builds(lambda n: b'"' + b"x" * n, st.integers(130 * 1024, 140 * 1024)),  # one quoted field, never closed
    st.binary(max_size=300),
    st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe" + "ID,S01".encode("utf-16-le"), "ID;S01\nP1;1".encode("cp1252"),
                     "ID,S01\r\nP1,\u00e9".encode("shift_jis", errors="replace")]),
)
json_bodies = st.one_of(
    st.builds(lambda n: b"[" * n, st.integers(1, 100_000)),
    st.builds(lambda n: b'{"a":' * n + b"1" + b"}" * n, st.integers(1, 5000)),
    st.builds(lambda n: b'{"sorts": [' + b"9" * n + b"]}", st.integers(10, 5000)),
    st.recursive(st.none() | st.integers() | st.text(max_size=5) | st.floats(),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                 max_leaves=10).map(lambda v: json.dumps(v).encode()),
    st.just(b'{"format": "qsort-study", "version": 1}'),
)


def zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


zip_bodies = st.lists(st.tuples(st.sampled_from(["sorts.txt", "a.csv", "b.dat", "b.sta", "../x.csv", "d/e.json",
                                                 "statements.txt", "__MACOSX/a.csv"]), csv_bodies | json_bodies),
                      max_size=3).map(zipped)

uploads = st.one_of(
    st.tuples(st.sampled_from(["sorts.csv", "sorts.txt", "s.dat", "x.exe", "noext", ""]), csv_bodies),
    st.tuples(st.just("sorts.json"), json_bodies),
    st.tuples(st.just("sorts.zip"), zip_bodies | st.binary(max_size=100)),
)


def check(response, before, session):
    page = response.get_data(as_text=True)
    assert response.status_code < 500, page[:500]
    if response.status_code == 302:
        return  # imported: the change is the point
    assert 400 <= response.status_code < 500, (response.status_code, page[:300])
    assert any(mark in page for mark in ERROR_MARKS), page[:2000]
    assert dump(session) == before, "a refused upload changed the database"


# -- the endpoints ---------------------------------------------------------------------------------------------

def test_fuzzed_sort_uploads_are_refused_clearly_and_change_nothing(studio, session):
    client, study, token = studio

    @FUZZ
    @given(files=st.lists(uploads, min_size=1, max_size=2))
    def run(files):
        before = dump(session)
        data = {"csrf_token": token, "files": [(io.BytesIO(body), name) for name, body in files]}
        check(client.post(f"/studio/{study.id}/data/import", data=data, content_type="multipart/form-data"),
              before, session)

    run()


def test_fuzzed_statement_csvs_are_refused_clearly_and_change_nothing(studio, session):
    client, study, token = studio

    @FUZZ
    @given(body=csv_bodies | json_bodies)
    def run(body):
        before = dump(session)
        data = {"csrf_token": token, "file": (io.BytesIO(body), "statements.csv")}
        check(client.post(f"/studio/{study.id}/statements/import", data=data, content_type="multipart/form-data"),
              before, session)

    run()


def test_fuzzed_invite_csvs_are_refused_clearly_and_change_nothing(studio, session):
    client, study, token = studio

    @FUZZ
    @given(body=csv_bodies | json_bodies)
    def run(body):
        before = dump(session)
        data = {"csrf_token": token, "file": (io.BytesIO(body), "invites.csv")}
        check(client.post(f"/studio/{study.id}/participants/import", data=data, content_type="multipart/form-data"),
              before, session)

    run()


# -- item 7's leftovers, one by one ----------------------------------------------------------------------------

def test_a_deeply_nested_json_upload_is_a_clear_400(studio, session):
    client, study, token = studio
    before = dump(session)
    data = {"csrf_token": token, "files": [(io.BytesIO(b"[" * 100_000), "sorts.json")]}
    response = client.post(f"/studio/{study.id}/data/import", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "sorts.json" in page and "nest" in page.lower(), page[-3000:]
    assert dump(session) == before


@pytest.mark.parametrize("endpoint, field, name", [("data/import", "files", "sorts.csv"),
                                                   ("statements/import", "file", "statements.csv"),
                                                   ("participants/import", "file", "invites.csv")])
def test_a_csv_field_over_128_kib_is_a_clear_400(studio, session, endpoint, field, name):
    client, study, token = studio
    before = dump(session)
    header = {"data/import": "ID,S01", "statements/import": "code,text", "participants/import": "code,name"}[endpoint]
    body = (header + "\nP1," + "a" * (130 * 1024) + "\n").encode()
    data = {"csrf_token": token, field: (io.BytesIO(body), name)}
    response = client.post(f"/studio/{study.id}/{endpoint}", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[-2000:]
    assert "128 KiB" in page and "line 2" in page.lower(), page[-3000:]
    assert dump(session) == before


def test_a_sorts_import_error_names_file_line_and_column(studio, session):
    """The readers' FormatError (file, line, field) reaches the researcher as such, without server paths."""
    client, study, token = studio
    codes = ",".join(s.code for s in study.statements)
    body = f"ID,{codes}\nP1,2,1,1,0,0,0,-1,-1,-2\nP2,2,1,1,0,zero,0,-1,-1,-2\n".encode()
    data = {"csrf_token": token, "files": [(io.BytesIO(body), "sorts.csv")]}
    response = client.post(f"/studio/{study.id}/data/import", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "sorts.csv, line 3, column 6 (S05): score &#39;zero&#39; is not a number" in page, page[-3000:]
    assert "/tmp" not in page
