"""Property-based fuzzing of every reader in analysis.formats: any bytes give either Q-sorts that pass the
study checks or the formats' own FormatError, never another exception (issue 10, "How to test").

Three kinds of input per reader: arbitrary bytes; text built from the characters and words the format is
made of (so the fuzzer gets past the first check); and small mutations of a valid file of that format.
"""
import io
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.formats import FORMATS, FormatError, QData, read_sorts, read_statement_texts
from analysis.formats.encoding import decode

DATA = Path(__file__).parents[2] / "data/formats"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# name in the temporary folder, format, a valid example to mutate
READERS = {
    "csv": ("study.csv", (DATA / "lipset_write_csv.csv").read_bytes()[:600]),
    "kenq": ("study.csv", (DATA / "kenq_small.csv").read_bytes()),
    "pqmethod": ("study.DAT", (DATA / "lipset_wrapped.DAT").read_bytes()[:700]),
    "json": ("study.json", (DATA / "eqweb_small.json").read_bytes()),
    "webcsv": ("study.csv", (DATA / "quince_baserow.csv").read_bytes()),
}
assert set(READERS) | {"kade"} == set(FORMATS)

# The building blocks of the text formats.
TOKENS = st.sampled_from([
    ",", ";", "\n", "\r\n", '"', "'", " ", "|", ":", ":|", "| ", "[", "]", "{", "}", "statement", "ID", "sort",
    "sort: ", "sort:| ", "(randomId): ", "randomId", "partId", '"sort":', "-", "+", "0", "1", "2", "-4", "99",
    "100", "1e19", "1e300", "nan", "inf", "-0", "2.0", "2.5", "\x00", "\x0b", "\ufeff", "é", "価", "\udc80",
    "  0  9 33", " -4  4  0  0  2  3  4", "US1       ", "s1", "sta_1", "P1", "true", "null",
])
TEXT = st.lists(TOKENS, max_size=60).map("".join)


def encoded(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


def mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    """``valid`` with a few bytes replaced, deleted or inserted."""
    edit = st.tuples(st.integers(0, max(len(valid) - 1, 0)), st.integers(0, 3), st.binary(max_size=4))

    def apply(edits):
        data = bytearray(valid)
        for at, cut, insert in edits:
            data[at:at + cut] = insert
        return bytes(data)

    return st.lists(edit, min_size=1, max_size=4).map(apply)


def read_or_refuse(fmt: str | None, name: str, content: bytes, **files: bytes) -> None:
    """Read ``content`` as ``fmt``: a QData that holds together, or a FormatError; anything else fails."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        for other, data in files.items():
            (Path(folder) / other.replace("__", ".")).write_bytes(data)
        try:
            data = read_sorts(path, fmt)
        except FormatError as error:
            assert str(error).startswith(folder), str(error)    # the file read, or one beside it
            assert error.message
            return
    assert isinstance(data, QData)
    assert data.sorts.dtype.kind == "i" and data.sorts.shape == (len(data.statement_ids), len(data.participant_ids))
    assert np.all(np.abs(data.sorts) <= 99)
    assert len(set(data.participant_ids)) == len(data.participant_ids)


def inputs(fmt: str) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=400), TEXT.map(encoded), mutated(READERS[fmt][1]))


@FUZZ
@given(content=inputs("csv"))
def test_fuzz_our_csv(content):
    read_or_refuse("csv", "study.csv", content)


@FUZZ
@given(content=inputs("kenq"), texts=st.one_of(st.none(), st.binary(max_size=80), TEXT.map(encoded)))
def test_fuzz_kenq_csv(content, texts):
    files = {} if texts is None else {"study_statements__txt": texts}
    read_or_refuse("kenq", "study.csv", content, **files)


@FUZZ
@given(content=inputs("pqmethod"), sta=st.one_of(st.none(), st.binary(max_size=80)))
def test_fuzz_pqmethod(content, sta):
    read_or_refuse("pqmethod", "study.DAT", content, **({} if sta is None else {"study__STA": sta}))


@FUZZ
@given(content=inputs("json"))
def test_fuzz_web_json(content):
    read_or_refuse("json", "study.json", content)


@FUZZ
@given(content=inputs("webcsv"))
def test_fuzz_web_csv(content):
    read_or_refuse("webcsv", "study.csv", content)


@FUZZ
@given(content=st.one_of(st.binary(max_size=400), TEXT.map(encoded), *(mutated(v) for _, v in READERS.values())))
def test_fuzz_detection(content):
    for name in ("study.csv", "study.txt", "study", "study.json"):
        read_or_refuse(None, name, content)


MEMBERS = st.sampled_from(["sorts.txt", "statements.txt", "pattern.txt", "name.txt", "x.DAT", "x.STA", "x.csv",
                           "x_statements.csv", "x_statements.txt", "x.json", "folder/sorts.txt", "__MACOSX/x.csv",
                           ".hidden.csv", "../x.csv"])


@st.composite
def zips(draw) -> bytes:
    members = draw(st.dictionaries(MEMBERS, st.one_of(TEXT.map(encoded), st.binary(max_size=200),
                                                      st.sampled_from([v for _, v in READERS.values()])),
                                   max_size=5))
    buffer = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    raw = buffer.getvalue()
    if draw(st.booleans()):                       # damage the archive itself
        raw = draw(mutated(raw))
    return raw


@FUZZ
@given(content=st.one_of(zips(), st.binary(max_size=300)))
def test_fuzz_zip(content):
    read_or_refuse("kade", "study.zip", content)


@FUZZ
@given(content=st.one_of(st.binary(max_size=300), TEXT.map(encoded)), suffix=st.sampled_from([".txt", ".STA", ".csv"]),
       n=st.integers(1, 6))
def test_fuzz_statement_texts(content, suffix, n):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"s{suffix}"
        path.write_bytes(content)
        try:
            texts = read_statement_texts(path, [f"s{i}" for i in range(1, n + 1)])
        except FormatError:
            return
    assert len(texts) == n and all(isinstance(t, str) for t in texts)


@FUZZ
@given(raw=st.binary(max_size=300), encoding=st.sampled_from([None, "utf-8", "cp1252", "shift_jis", "utf-16"]))
def test_fuzz_decoding(raw, encoding):
    try:
        text = decode("f.txt", raw, encoding)
    except FormatError:
        return
    assert isinstance(text, str)
