"""Readers and writers of Q-sort files: exact import of the reference files, round trips on the
real studies, and an error naming file, line and field for every kind of bad input."""
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from analysis.formats import (FormatError, QData, detect_format, read_sorts, write_csv, write_kade_zip,
                              write_kenq, write_pqmethod)
from analysis.grid import Grid

from tests.paths import DATASETS, LIPSET
DATA = Path(__file__).parents[2] / "data/formats"
STUDIES = ["koc", "cegebe", "ipad", "qmethod_fut"]
GRID_LIPSET = Grid.from_range(-4, [2, 3, 4, 5, 5, 5, 4, 3, 2])


def study_csv(name):
    return DATASETS / name / f"{name}.csv"


def assert_same_study(a: QData, b: QData, *, statement_ids=True, texts=True):
    np.testing.assert_array_equal(a.sorts, b.sorts)
    assert a.sorts.dtype.kind == "i" and b.sorts.dtype.kind == "i"
    assert a.participant_ids == b.participant_ids
    if statement_ids:
        assert a.statement_ids == b.statement_ids
    if texts:
        assert a.statement_texts == b.statement_texts
    assert a.grid == b.grid


# -- exact imports ----------------------------------------------------------------------------------
def test_lipset_dat_imports_exactly_to_lipset_csv():
    dat = read_sorts(LIPSET / "pqmethod/LIPSET.DAT")
    csv = read_sorts(LIPSET / "lipset.csv")
    assert_same_study(dat, csv, texts=False)
    assert dat.statement_ids == [f"sta_{i}" for i in range(1, 34)]
    assert dat.participant_ids == ["US1", "US2", "US3", "US4", "JP5", "CA6", "UK7", "US8", "FR9"]
    assert dat.grid == GRID_LIPSET and dat.grid_source == "file"
    assert dat.title.startswith("Lipset Study")
    assert dat.statement_texts[2] == "2Success in life by a previously deprived person is resented"
    assert len(dat.statement_texts) == 33
    # our CSV picks its texts up from lipset_statements.csv beside it
    assert csv.statement_texts[0].startswith("We accept improvements in the status")
    assert csv.grid == GRID_LIPSET and csv.grid_source == "inferred"


def test_wrapped_dat_lines_read_like_single_lines():
    wrapped = read_sorts(DATA / "lipset_wrapped.DAT", statements=LIPSET / "pqmethod/LIPSET.STA")
    assert_same_study(wrapped, read_sorts(LIPSET / "pqmethod/LIPSET.DAT"))


@pytest.mark.parametrize("name", STUDIES)
def test_datasets_read_with_texts_and_grid(name):
    data = read_sorts(study_csv(name))
    assert data.sorts.shape == (len(data.statement_ids), len(data.participant_ids))
    assert data.statement_texts is not None and all(data.statement_texts)
    assert data.grid is not None and data.grid.n_statements == data.n_statements
    assert all(data.grid.fits(data.sorts[:, j]) for j in range(data.n_participants))


def test_kenq_csv_and_web_json_small_files():
    kenq = read_sorts(DATA / "kenq_small.csv")
    assert detect_format(DATA / "kenq_small.csv") == "kenq"
    assert kenq.participant_ids == ["anna", "ben", "carla"]
    assert kenq.statement_ids == ["s1", "s2", "s3", "s4", "s5"]
    assert kenq.sorts[:, 0].tolist() == [-1, 0, 1, 0, 2]
    assert kenq.statement_texts[0] == "Price matters most"
    assert str(kenq.grid) == "-1..+2: 1,2,1,1"
    web = read_sorts(DATA / "eqweb_small.json", statements=DATA / "kenq_small_statements.txt")
    assert web.participant_ids == ["x1", "x2", "x3"]        # randomId, not the shared "name"
    assert web.sorts[:, 0].tolist() == [2, 1, 0, -1, 0]
    assert web.statement_texts[-1] == "Service after the sale"


def test_web_json_list_form_and_fallback_ids(tmp_path):
    p = tmp_path / "export.json"
    p.write_text('[{"name": "same", "sort": "1|0|-1"}, {"name": "same", "sort": "-1|0|1"}]')
    data = read_sorts(p)
    assert data.participant_ids == ["P1", "P2"]
    assert data.statement_ids == ["s1", "s2", "s3"]


# -- round trips ------------------------------------------------------------------------------------
def _lipset_with_texts():
    return read_sorts(LIPSET / "lipset.csv")


def _all_studies():
    return [read_sorts(study_csv(name)) for name in STUDIES] + [_lipset_with_texts()]


@pytest.mark.parametrize("index", range(5))
def test_round_trip_csv(tmp_path, index):
    data = _all_studies()[index]
    write_csv(tmp_path / "s.csv", data)
    assert_same_study(read_sorts(tmp_path / "s.csv"), data)


def test_round_trip_csv_is_byte_identical_for_lipset(tmp_path):
    write_csv(tmp_path / "lipset.csv", read_sorts(LIPSET / "lipset.csv"))
    assert (tmp_path / "lipset.csv").read_bytes() == (LIPSET / "lipset.csv").read_bytes()


@pytest.mark.parametrize("index", range(5))
def test_round_trip_kenq(tmp_path, index):
    data = _all_studies()[index]
    written = write_kenq(tmp_path / "s.csv", data)
    assert [p.name for p in written] == ["s.csv", "s_statements.txt"]
    back = read_sorts(tmp_path / "s.csv")
    assert_same_study(back, data)


@pytest.mark.parametrize("index", range(5))
def test_round_trip_kade_zip(tmp_path, index):
    data = _all_studies()[index]
    write_kade_zip(tmp_path / "s.zip", data)
    names = zipfile.ZipFile(tmp_path / "s.zip").namelist()
    assert {"sorts.txt", "statements.txt", "pattern.txt", "name.txt"} <= set(names)
    back = read_sorts(tmp_path / "s.zip")
    assert back.grid_source == "file"
    assert back.statement_ids == [f"s{i}" for i in range(1, data.n_statements + 1)]   # KADE's ids
    assert_same_study(back, data, statement_ids=False)


@pytest.mark.parametrize("index", range(5))
def test_round_trip_pqmethod(tmp_path, index):
    data = _all_studies()[index]
    if any(len(p) > 10 for p in data.participant_ids):        # cegebe: ids like sid02071051
        with pytest.raises(ValueError, match="at most 10 characters"):
            write_pqmethod(tmp_path / "S.DAT", data)
        data = QData(data.sorts, [p[-10:] for p in data.participant_ids], data.statement_ids,
                     data.statement_texts, data.grid, data.title)
    write_pqmethod(tmp_path / "S.DAT", data)
    back = read_sorts(tmp_path / "S.DAT")
    assert back.statement_ids == [f"sta_{i}" for i in range(1, data.n_statements + 1)]
    assert_same_study(back, data, statement_ids=False)


def test_pqmethod_writer_reproduces_lipset_dat(tmp_path):
    original = LIPSET / "pqmethod/LIPSET.DAT"
    write_pqmethod(tmp_path / "LIPSET.DAT", read_sorts(original))
    written = (tmp_path / "LIPSET.DAT").read_text().splitlines()
    expected = original.read_text().splitlines()
    assert [line.rstrip() for line in written] == [line.rstrip() for line in expected]


def test_pqmethod_writer_refuses_what_pqmethod_cannot_hold(tmp_path):
    data = QData(np.array([[1, 0], [0, 0], [-1, 0]]), ["a", "b"], ["s1", "s2", "s3"])
    with pytest.raises(ValueError, match="forced distribution"):
        write_pqmethod(tmp_path / "F.DAT", data)
    grid = Grid.from_range(-1, [1, 1, 1])
    many = QData(np.tile([[1], [0], [-1]], 1000), [f"p{i}" for i in range(1000)], ["s1", "s2", "s3"], grid=grid)
    with pytest.raises(ValueError, match="999"):
        write_pqmethod(tmp_path / "M.DAT", many)
    wide = QData(np.array([[7], [0], [-7]]), ["a"], ["s1", "s2", "s3"], grid=Grid((-7, 0, 7), (1, 1, 1)))
    with pytest.raises(ValueError, match="-6..\\+13"):
        write_pqmethod(tmp_path / "W.DAT", wide)
    assert not (tmp_path / "W.DAT").exists()


# -- errors -----------------------------------------------------------------------------------------
def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error_of(path, **kw):
    with pytest.raises(FormatError) as info:
        read_sorts(path, **kw)
    return info.value


CSV_HEAD = '"statement","a","b","c"\n'


@pytest.mark.parametrize("body, line, field, words", [
    ('"s1",1,0\n', 2, None, "expected 4 fields"),                                   # ragged row
    ('"s1",1,x,0\n', 2, "column 3 (b)", "'x' is not a number"),                     # non-numeric
    ('"s1",1,,0\n', 2, "column 3 (b)", "missing score"),                            # empty cell
    ('"s1",1,0.5,0\n', 2, "column 3 (b)", "not a whole number"),
    ('"s1",1,0,0\n"s1",0,1,0\n', 3, "column 1 (statement)", "duplicate statement id 's1'"),
])
def test_csv_errors_name_line_and_field(tmp_path, body, line, field, words):
    err = error_of(write(tmp_path, "bad.csv", CSV_HEAD + body))
    assert err.file.endswith("bad.csv") and err.line == line and err.field == field
    assert words in err.message
    assert str(err).startswith(f"{err.file}:{line}: ")


def test_csv_with_semicolons_as_excel_writes_it_in_nl_and_nb(tmp_path):
    p = write(tmp_path, "nl.csv", "statement;a;b\ns1;1;-1\ns2;0;0\ns3;-1;1\n")
    data = read_sorts(p)
    assert data.participant_ids == ["a", "b"] and data.sorts[:, 1].tolist() == [-1, 0, 1]
    err = error_of(write(tmp_path, "nl2.csv", "statement;a;b\ns1;1;-1\ns2;0\n"))
    assert err.line == 3 and "expected 3 fields" in err.message


def test_csv_duplicate_participant_empty_file_and_wrong_header(tmp_path):
    err = error_of(write(tmp_path, "dup.csv", '"statement","a","b","a"\n"s1",1,0,-1\n'))
    assert err.line == 1 and "duplicate participant id 'a'" in err.message and err.field == "column 4 (participant)"
    err = error_of(write(tmp_path, "empty.csv", ""))
    assert "empty file" in err.message
    err = error_of(write(tmp_path, "head.csv", '"item","a"\n"s1",1\n'), format="csv")
    assert err.line == 1 and err.field == "header" and "'statement'" in err.message
    assert "no such file" in error_of(tmp_path / "missing.csv").message


def test_kenq_errors(tmp_path):
    err = error_of(write(tmp_path, "k.csv", "ID,s1,s2,s3\na,1,0,-1\nb,1,0\n"))
    assert err.line == 3 and "expected 4 fields" in err.message
    err = error_of(write(tmp_path, "k2.csv", "ID,s1,s2,s3\na,1,0,-1\na,-1,0,1\n"))
    assert err.line == 3 and "duplicate participant id 'a' (first on line 2)" in err.message
    err = error_of(write(tmp_path, "k3.csv", "ID,s1,s1\na,1,0\n"))
    assert err.line == 1 and "duplicate statement id 's1'" in err.message and err.field == "column 3"
    err = error_of(write(tmp_path, "k4.csv", "ID,s1,s2\na,1,+\n"))
    assert err.line == 2 and err.field == "column 3 (s2)"
    write(tmp_path, "k5.csv", "ID,s1,s2\na,1,0\n")
    write(tmp_path, "k5_statements.txt", "only one\n")
    err = error_of(tmp_path / "k5.csv")
    assert err.file.endswith("k5_statements.txt") and "1 statement texts for 2 statements" in err.message


def test_dat_sort_off_the_grid_names_the_line(tmp_path):
    err = error_of(DATA / "lipset_offgrid.DAT")
    assert err.line == 5 and err.field == "label"
    assert "Q-sort 'US3' does not fit the grid" in err.message
    assert "column +4 has 3 cards, the grid holds 2 (1 too many)" in err.message


def test_dat_errors(tmp_path):
    src = (LIPSET / "pqmethod/LIPSET.DAT").read_text().splitlines()
    bad = list(src)
    bad[3] = bad[3][:14] + " x" + bad[3][16:]
    err = error_of(write(tmp_path, "X.DAT", "\n".join(bad)))
    assert err.line == 4 and "statement 3 (columns 15-16) of 'US2'" == err.field and "not a number" in err.message
    bad = list(src)
    bad[6] = bad[6][:-4]                     # JP5 loses two scores; the next record is not a continuation
    err = error_of(write(tmp_path, "R.DAT", "\n".join(bad)))
    assert err.line == 7 and "Q-sort 'JP5' has 31 scores, expected 33" in err.message
    bad = list(src)
    bad[10] = "US1" + bad[10][3:]            # FR9 relabelled US1
    err = error_of(write(tmp_path, "D.DAT", "\n".join(bad)))
    assert err.line == 11 and "duplicate participant id 'US1' (first on line 3)" in err.message
    err = error_of(write(tmp_path, "H.DAT", "\n".join(["  0  9 3x Lipset"] + src[1:])))
    assert err.line == 1 and err.field == "number of statements"
    err = error_of(write(tmp_path, "N.DAT", "\n".join(src[:-1])))
    assert err.line == 1 and "the header says 9 Q-sorts, the file holds 8" in err.message
    err = error_of(write(tmp_path, "G.DAT", "\n".join([src[0], src[1].replace("  5  4  3", "  6  4  3", 1)] + src[2:])))
    assert err.line == 2 and err.field == "grid"
    assert "empty file" in error_of(write(tmp_path, "E.DAT", "\n\n")).message


def test_kade_zip_errors(tmp_path):
    p = tmp_path / "k.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("project/sorts.txt", "a,1,0,-1\nb,1,0,x\n")
    err = error_of(p)
    assert err.file == f"{p}!project/sorts.txt" and err.line == 2 and "'x' is not a number" in err.message
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("sorts.txt", "a,1,0,-1\nb,1,1,-1\n")
        z.writestr("pattern.txt", ",".join(["0"] * 5 + ["1", "1", "1"] + ["0"] * 12))
    err = error_of(p)
    assert "Q-sort 'b' does not fit the grid -1..+1: 1,1,1" in err.message and err.line == 2
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "nothing")
    assert "no sorts.txt" in error_of(p).message
    write(tmp_path, "not.zip", "hello")
    assert "not a ZIP archive" in error_of(tmp_path / "not.zip").message


def test_web_json_errors(tmp_path):
    err = error_of(write(tmp_path, "a.json", '{"k1": {"randomId": "a", "sort": "1|0|-1"}, '
                                             '"k2": {"randomId": "b", "sort": "1|0"}}'))
    assert "2 scores, the first record has 3" in err.message and "'b'" in err.field
    err = error_of(write(tmp_path, "b.json", '{"k1": {"randomId": "a", "sort": "1|zero|-1"}}'))
    assert "statement 2" in err.field and "not a number" in err.message
    err = error_of(write(tmp_path, "c.json", '{"k1": {"randomId": "a", "sort": "1|0|-1"},'))
    assert "not valid JSON" in err.message and err.line == 1
    err = error_of(write(tmp_path, "d.json", '{"k1": {"randomId": "a"}}'))
    assert "without a 'sort' field" in err.message


def test_explicit_statements_file_for_csv(tmp_path):
    shutil.copy(DATA / "kenq_small.csv", tmp_path / "k.csv")
    data = read_sorts(tmp_path / "k.csv", statements=DATA / "kenq_small_statements.txt")
    assert data.statement_texts[1] == "Delivery on time"
    err = error_of(tmp_path / "k.csv", statements=LIPSET / "pqmethod/LIPSET.STA")
    assert "33 statement texts for 5 statements" in err.message


# -- the IO modules' docstring examples run ---------------------------------------------------------
@pytest.mark.parametrize("name", ["analysis.grid", "analysis.nfactors", "analysis.bootstrap", "analysis.report",
                                  "analysis.formats.statements"])
def test_docstring_examples_of_io_modules(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# -- property: any study survives every writer and its reader -----------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

from analysis.grid import quasi_normal_grid  # noqa: E402

IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", min_size=1, max_size=10)
WORDS = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøåéü'\"-,;", min_size=1, max_size=8),
                 min_size=1, max_size=6).map(" ".join)


@st.composite
def studies(draw):
    n = draw(st.integers(3, 40))
    grid = quasi_normal_grid(n)
    pids = draw(st.lists(IDS, min_size=1, max_size=12, unique=True))
    sids = draw(st.lists(IDS, min_size=n, max_size=n, unique=True))
    texts = draw(st.none() | st.lists(WORDS, min_size=n, max_size=n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sorts = np.column_stack([rng.permutation(grid.distribution()) for _ in pids])
    return QData(sorts, pids, sids, texts, grid, "A study")


@settings(max_examples=40, deadline=None)
@given(studies())
def test_every_writer_round_trips(data):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_csv(tmp / "s.csv", data)
        assert_same_study(read_sorts(tmp / "s.csv"), data)
        write_kenq(tmp / "k.csv", data)
        assert_same_study(read_sorts(tmp / "k.csv"), data)
        write_kade_zip(tmp / "k.zip", data)
        kade = read_sorts(tmp / "k.zip")
        assert kade.title == "A study"
        assert_same_study(kade, data, statement_ids=False,
                          texts=data.statement_texts is not None)
        write_pqmethod(tmp / "S.DAT", data)
        dat = read_sorts(tmp / "S.DAT")
        assert dat.title == "A study"
        assert_same_study(dat, data, statement_ids=False)
