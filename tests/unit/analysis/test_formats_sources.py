"""Every format reads the same study from a path, from its bytes and from a binary file object, and every writer
writes the same bytes to a file object as to a path: uploads and exports need no temporary folder."""
import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from analysis.formats import (FormatError, QData, as_source, detect_format, open_archive, read_sorts,
                              read_statement_texts, sorts_files, source_among, write_kade_zip, write_sorts)
from analysis.formats.statements import read_statement_tags

from tests.paths import LIPSET
DATA = Path(__file__).parents[2] / "data/formats"


def kade_zip(folder: Path) -> Path:
    path = folder / "lipset-kade.zip"
    write_kade_zip(path, read_sorts(LIPSET / "pqmethod/LIPSET.DAT"))
    return path


# (format, the data file, the statements file beside it or None)
CASES = [
    ("csv", LIPSET / "lipset.csv", LIPSET / "lipset_statements.csv"),
    ("pqmethod", LIPSET / "pqmethod/LIPSET.DAT", LIPSET / "pqmethod/LIPSET.STA"),
    ("kenq", DATA / "kenq_small.csv", DATA / "kenq_small_statements.txt"),
    ("kade", None, None),
    ("json", DATA / "eqweb_small.json", None),
    ("webcsv", DATA / "quince_baserow.csv", None),
]


def assert_identical(a: QData, b: QData) -> None:
    np.testing.assert_array_equal(a.sorts, b.sorts)
    assert a.sorts.dtype == b.sorts.dtype
    assert (a.participant_ids, a.statement_ids, a.statement_texts) == (b.participant_ids, b.statement_ids,
                                                                       b.statement_texts)
    assert (a.grid, a.grid_source, a.title) == (b.grid, b.grid_source, b.title)


@pytest.fixture
def no_temporary_files(tmp_path, monkeypatch):
    """Temporary files land in a folder of our own, which must stay empty; the usual helpers refuse."""
    private = tmp_path / "private-tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))

    def refuse(*args, **kwargs):
        raise AssertionError("a temporary file or folder was made")

    for name in ("mkdtemp", "mkstemp", "TemporaryDirectory", "NamedTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)
    yield private
    assert list(private.iterdir()) == []


@pytest.mark.parametrize("fmt, path, statements", CASES, ids=[case[0] for case in CASES])
def test_each_format_reads_the_same_from_a_path_bytes_and_a_file_object(tmp_path, fmt, path, statements):
    path = path or kade_zip(tmp_path)
    from_path = read_sorts(path)
    assert from_path.n_participants > 1 and detect_format(path) == fmt
    if statements is not None:
        assert from_path.statement_texts is not None     # found beside the path

    texts = None if statements is None else statements.read_bytes()
    from_bytes = read_sorts(path.read_bytes(), name=path.name, statements=texts)
    assert_identical(from_bytes, from_path)
    with open(path, "rb") as handle, (open(statements, "rb") if statements else io.BytesIO()) as texts_handle:
        from_file = read_sorts(handle, statements=texts_handle if statements else None)
    assert_identical(from_file, from_path)
    # Named by nothing, the format is told by the content alone (or given), and errors say <bytes>.
    from_nameless = read_sorts(io.BytesIO(path.read_bytes()), fmt, statements=texts)
    assert_identical(from_nameless, from_path)


def test_reading_from_memory_makes_no_temporary_file(tmp_path, no_temporary_files):
    # A zipped PQMethod export: the .DAT and its .STA come out of the ZIP in memory.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.write(LIPSET / "pqmethod/LIPSET.DAT", "export/LIPSET.DAT")
        archive.write(LIPSET / "pqmethod/LIPSET.STA", "export/LIPSET.STA")
    data = read_sorts(buffer.getvalue(), name="upload.zip")
    assert_identical(data, read_sorts(LIPSET / "pqmethod/LIPSET.DAT"))


def test_a_file_among_uploads_finds_its_statements_without_case():
    files = {"LIPSET.DAT": (LIPSET / "pqmethod/LIPSET.DAT").read_bytes(),
             "lipset.sta": (LIPSET / "pqmethod/LIPSET.STA").read_bytes()}
    data = read_sorts(source_among(files, "LIPSET.DAT"))
    assert len(data.statement_texts) == 33
    files["LIPSET.DAT"] = files["LIPSET.DAT"].replace(b"US1       -1", b"US1       -x", 1)
    with pytest.raises(FormatError) as caught:
        read_sorts(source_among(files, "LIPSET.DAT", prefix="up.zip!"))
    assert caught.value.file == "up.zip!LIPSET.DAT" and caught.value.line == 3


def test_bytes_never_look_for_files_on_disk(tmp_path, monkeypatch):
    # A bare upload name must not pick up a statements file that happens to sit in the working folder.
    (tmp_path / "kenq_small_statements.txt").write_text("one\ntwo\n")
    monkeypatch.chdir(tmp_path)
    data = read_sorts((DATA / "kenq_small.csv").read_bytes(), name="kenq_small.csv")
    assert data.statement_texts is None
    assert as_source(b"x", name="kenq_small.csv").beside("kenq_small_statements.txt") is None


def test_errors_from_bytes_name_the_given_file_and_the_line():
    with pytest.raises(FormatError) as caught:
        read_sorts(b"statement,P1,P2\ns1,0,x\n", name="upload.csv")
    assert str(caught.value).startswith("upload.csv:2: column 3 (P2):")
    with pytest.raises(FormatError) as caught:
        read_sorts(b"statement,P1,P2\ns1,0,x\n", "csv")
    assert caught.value.file == "<bytes>"


def test_a_text_mode_file_object_is_refused_with_the_reason():
    with pytest.raises(TypeError, match="text mode"):
        read_sorts(io.StringIO("statement,P1\ns1,0\n"), "csv")


def test_statement_files_read_from_bytes_by_name_or_by_header():
    ids = ["s1", "s2"]
    assert read_statement_texts(b"First\nSecond\n", ids) == ["First", "Second"]
    assert read_statement_texts(b"statement,text\ns2,Second\ns1,First\n", ids) == ["First", "Second"]
    tags = b"statement,text,tags\ns1,Low price,price\ns2,Partners,strategy\n"
    assert read_statement_tags(io.BytesIO(tags), ids) == [("price",), ("strategy",)]
    assert read_statement_tags(as_source(b"First\nSecond\n", "x.STA"), ids) is None


def test_open_archive_keeps_its_limits_for_bytes(monkeypatch):
    from analysis.formats import archive

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.txt", b"0" * 2048)
    monkeypatch.setattr(archive, "MAX_ARCHIVE_BYTES", 1024)
    with pytest.raises(FormatError) as caught:
        open_archive(buffer.getvalue(), "upload.zip")
    assert caught.value.file == "upload.zip" and "unpack to" in caught.value.message
    with pytest.raises(FormatError, match="not a ZIP"):
        open_archive(b"PK\x03\x04 broken", "broken.zip")


@pytest.mark.parametrize("fmt", ["csv", "pqmethod", "kenq", "kade"])
def test_each_writer_writes_the_same_bytes_to_a_file_object_as_to_a_path(tmp_path, fmt, no_temporary_files):
    data = read_sorts(LIPSET / "pqmethod/LIPSET.DAT")
    name = {"csv": "lipset.csv", "pqmethod": "LIPSET.DAT", "kenq": "lipset.csv", "kade": "lipset.zip"}[fmt]
    written = write_sorts(tmp_path / name, data, fmt)
    out = io.BytesIO()
    assert write_sorts(out, data, fmt) == []
    assert out.getvalue() == written[0].read_bytes()
    # sorts_files: every file of the format, as bytes, the same as on disk
    files = sorts_files(data, fmt, Path(name).stem)
    assert list(files) == [p.name for p in written]
    for path in written:
        assert files[path.name] == path.read_bytes()
    # and they read back to the same study
    back = read_sorts(source_among(files, written[0].name))
    np.testing.assert_array_equal(back.sorts, data.sorts)
    assert back.participant_ids == data.participant_ids and back.statement_texts == data.statement_texts


def test_a_file_object_writer_writes_the_statements_only_where_told(tmp_path):
    data = read_sorts(LIPSET / "lipset.csv")
    out, texts = io.BytesIO(), io.BytesIO()
    write_sorts(out, data, "csv")
    from analysis.formats import write_csv

    write_csv(out, data, statements=texts)
    assert texts.getvalue().startswith(b'"statement","text"\n')
    assert list(tmp_path.iterdir()) == []
