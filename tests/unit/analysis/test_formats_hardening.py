"""Bad and foreign input to the readers in analysis.formats (issue 10, items 8, 10, 11 and 12): scores out of
range, ZIP bombs, huge CSV fields, deeply nested JSON, R's write.csv layout, non-UTF-8 text, and the CSV
result exports of EQ Web Sort and Quince. Every refusal is a FormatError naming the file (and line and
field where there is one)."""
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from analysis.formats import FormatError, detect_format, read_sorts, read_statement_texts
from analysis.formats import archive
from analysis.formats.encoding import decode

from tests.paths import LIPSET

DATA = Path(__file__).parents[2] / "data/formats"
FIVE = "-1|0|1|0|2"


def error_of(path, **kwargs) -> FormatError:
    with pytest.raises(FormatError) as info:
        read_sorts(path, **kwargs)
    return info.value


# -- item 8: scores out of range -------------------------------------------------------------------------
def _files_with_score(tmp_path: Path, score: str) -> dict[str, tuple[Path, int | None, str]]:
    """One file per reader with ``score`` as participant 2's score of statement 2:
    name -> (path, the line the error must name, words the field must contain)."""
    ours = tmp_path / "ours.csv"
    ours.write_text(f"statement,P1,P2\ns1,-1,1\ns2,0,{score}\ns3,1,-1\n")
    kenq = tmp_path / "kenq.csv"
    kenq.write_text(f"ID,s1,s2,s3\nP1,-1,0,1\nP2,1,{score},-1\n")
    kade = tmp_path / "kade.zip"
    with zipfile.ZipFile(kade, "w") as z:
        z.writestr("sorts.txt", f"P1,-1,0,1\nP2,1,{score},-1\n")
    web = tmp_path / "web.json"
    web.write_text(json.dumps([{"randomId": "P1", "sort": "-1|0|1"}, {"randomId": "P2", "sort": f"1|{score}|-1"}]))
    webcsv = tmp_path / "quince.csv"
    webcsv.write_text(f"id,r1,r2\n1,(randomId): P1,sort: -1|0|1\n2,(randomId): P2,sort: 1|{score}|-1\n")
    return {"ours": (ours, 3, "column 3 (P2)"), "kenq": (kenq, 3, "column 3 (s2)"),
            "kade": (kade, 2, "column 3 (s2)"), "json": (web, None, "'P2', statement 2"),
            "webcsv": (webcsv, 3, "'P2', statement 2")}


@pytest.mark.parametrize("score", ["1e300", "1e19", "-1e19", "9223372036854775808", "100", "-100", "1e400"])
@pytest.mark.parametrize("reader", ["ours", "kenq", "kade", "json", "webcsv"])
def test_a_score_out_of_range_names_file_line_and_field(tmp_path, reader, score):
    path, line, field = _files_with_score(tmp_path, score)[reader]
    error = error_of(path)
    assert error.file.startswith(str(path)) and error.line == line
    assert field in error.field
    assert score in error.message and ("-99..+99" in error.message or "whole number" in error.message)


def test_scores_at_the_edge_of_the_range_are_read(tmp_path):
    path = tmp_path / "edge.csv"
    path.write_text("statement,P1,P2\ns1,-99,99\ns2,0,0\ns3,99,-99\n")
    assert read_sorts(path).sorts.tolist() == [[-99, 99], [0, 0], [99, -99]]


def test_json_numbers_out_of_range_are_refused(tmp_path):
    path = tmp_path / "web.json"
    path.write_text('[{"sort": [1, 0, -1]}, {"sort": [10000000000000000000, 0, -1]}]')
    assert "outside -99..+99" in error_of(path).message


# -- item 10: ZIP bombs ----------------------------------------------------------------------------------
def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return path


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Temporary files go to a folder of the test's own, so a test can see that nothing was unpacked."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


@pytest.mark.parametrize("kind", ["kade", "exports"])
def test_a_zip_whose_files_unpack_to_too_much_together_is_refused_before_unpacking(tmp_path, private_tmp, kind):
    each = 24 * 2**20                      # every member below the limit, together 72 MB
    first = {"sorts.txt": b"P1,-1,0,1\nP2,1,0,-1\n"} if kind == "kade" else {"study.csv": b"statement,P1\ns1,0\n"}
    bomb = _zip(tmp_path / "bomb.zip", {**first, **{f"pad{i}.txt": b"0" * each for i in range(3)}})
    assert bomb.stat().st_size < 1_000_000
    error = error_of(bomb)
    assert error.file == str(bomb) and "unpack to 72 MB" in error.message and "at most 64 MB" in error.message
    assert list(private_tmp.iterdir()) == []          # nothing was written to the temporary folder


def test_a_zip_of_too_many_files_is_refused(tmp_path):
    crowd = _zip(tmp_path / "crowd.zip", {f"f{i}.txt": b"" for i in range(archive.MAX_ARCHIVE_MEMBERS + 1)})
    assert f"holds {archive.MAX_ARCHIVE_MEMBERS + 1} files" in error_of(crowd).message


def test_a_zip_of_an_export_is_read_and_errors_name_the_member(tmp_path, private_tmp):
    good = _zip(tmp_path / "lipset.zip", {"LIPSET.DAT": (LIPSET / "pqmethod/LIPSET.DAT").read_bytes(),
                                          "LIPSET.STA": (LIPSET / "pqmethod/LIPSET.STA").read_bytes()})
    data = read_sorts(good)
    assert data.participant_ids[:2] == ["US1", "US2"] and len(data.statement_texts) == 33
    bad = _zip(tmp_path / "bad.zip", {"folder/study.csv": b"statement,P1,P2\ns1,0,x\n"})
    error = error_of(bad)
    assert error.file == f"{bad}!study.csv" and error.line == 2 and "'x' is not a number" in error.message
    assert list(private_tmp.iterdir()) == []          # the unpacked files are gone again


def test_a_damaged_zip_member_is_a_format_error(tmp_path):
    path = _zip(tmp_path / "k.zip", {"sorts.txt": b"P1,0,1\nP2,1,0\n" * 100})
    raw = bytearray(path.read_bytes())
    raw[60:70] = b"\xff" * 10                          # inside the compressed data of sorts.txt
    path.write_bytes(bytes(raw))
    error = error_of(path)
    assert error.file.startswith(str(path))


# -- item 11: huge CSV fields and deeply nested JSON -----------------------------------------------------
HUGE = "x" * (130 * 1024)


@pytest.mark.parametrize("name, content, line", [
    ("ours.csv", f'statement,P1,P2\ns1,0,1\ns2,"{HUGE}",0\n', 3),
    ("kenq.csv", f'ID,s1,s2\nP1,0,1\nP2,"{HUGE}",0\n', 3),
    ("open_quote.csv", 'ID,s1,s2\nP1,0,1\nP2,"0,1\n' + "P3,1,0\n" * 30000, 3),
    ("quince.csv", f'id,r1,r2\n1,(randomId): a,sort: 0|1\n2,"{HUGE}",sort: 1|0\n', 3),
])
def test_a_csv_field_over_128_kib_names_the_line(tmp_path, name, content, line):
    path = tmp_path / name
    path.write_text(content)
    error = error_of(path)
    assert error.line == line and "longer than 128 KiB" in error.message


def test_a_statements_csv_with_a_huge_field_is_a_format_error(tmp_path):
    path = tmp_path / "s_statements.csv"
    path.write_text(f'statement,text\ns1,"{HUGE}"\n')
    with pytest.raises(FormatError, match="longer than 128 KiB"):
        read_statement_texts(path, ["s1"])


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_deeply_nested_json_names_where(tmp_path, opening):
    path = tmp_path / "deep.json"
    path.write_text(opening * 100_000)
    error = error_of(path)
    assert "nested more than 64 levels" in error.message and error.line == 1 and error.field


def test_a_json_number_of_thousands_of_digits_is_a_format_error(tmp_path):
    path = tmp_path / "long.json"
    path.write_text('[{"sort": [' + "9" * 5000 + "]}]")
    assert "not valid JSON" in error_of(path).message


# -- item 12: R qmethod's layout ---------------------------------------------------------------------------
def test_r_write_csv_layout_is_read_as_statements_by_participants():
    r_layout = DATA / "lipset_write_csv.csv"          # write.csv(lipset): "", then ids; a row per statement
    assert detect_format(r_layout) == "csv"
    data, ours = read_sorts(r_layout), read_sorts(LIPSET / "lipset.csv")
    np.testing.assert_array_equal(data.sorts, ours.sorts)
    assert data.participant_ids == ours.participant_ids and data.statement_ids == ours.statement_ids


def test_r_write_csv2_with_numbered_row_names(tmp_path):
    ours = read_sorts(LIPSET / "lipset.csv")
    lines = ['"";' + ";".join(f'"{p}"' for p in ours.participant_ids)]
    lines += [f'"{i + 1}";' + ";".join(map(str, row)) for i, row in enumerate(ours.sorts.tolist())]
    path = tmp_path / "lipset2.csv"
    path.write_text("\n".join(lines) + "\n")
    data = read_sorts(path)
    np.testing.assert_array_equal(data.sorts, ours.sorts)
    assert data.statement_ids == [str(i) for i in range(1, 34)]


def test_r_layout_without_row_names_is_refused_not_transposed(tmp_path):
    ours = read_sorts(LIPSET / "lipset.csv")
    lines = [",".join(ours.participant_ids)] + [",".join(map(str, row)) for row in ours.sorts.tolist()]
    path = tmp_path / "norownames.csv"
    path.write_text("\n".join(lines) + "\n")
    error = error_of(path)
    assert "the first column repeats" in error.message and "a row per statement" in error.message
    assert error.field == "column 1" and error.line is not None


# -- item 12: encodings ------------------------------------------------------------------------------------
JAPANESE = ["価格が一番大事です", "納期を守ること", "製品の革新性", "長期的なパートナーシップ", "販売後のサービス"]


def test_shift_jis_statements_are_detected():
    data = read_sorts(DATA / "kenq_small.csv", statements=DATA / "ja_statements_sjis.txt")
    assert data.statement_texts == JAPANESE


def test_a_short_shift_jis_file_that_could_be_korean_is_refused_naming_the_option(tmp_path):
    path = tmp_path / "one.txt"
    path.write_bytes("価格が一番大事\n".encode("shift_jis"))
    with pytest.raises(FormatError) as info:
        read_statement_texts(path, ["s1"])
    assert "cp932" in info.value.message and "cp949" in info.value.message
    assert "--encoding" in info.value.message
    assert read_statement_texts(path, ["s1"], encoding="shift_jis") == ["価格が一番大事"]


def test_a_named_encoding_that_does_not_fit_names_line_and_byte(tmp_path):
    path = tmp_path / "s.txt"
    path.write_bytes("Price\nQuality\n".encode() + "Blåbær\n".encode("cp1252"))
    with pytest.raises(FormatError) as info:
        read_statement_texts(path, ["s1", "s2", "s3"], encoding="utf-8")
    assert info.value.line == 3 and info.value.field == "byte 3" and "0xe5" in info.value.message


@pytest.mark.parametrize("text, encoding", [
    ("Blåbær og søt saft\nLeverandøren må være pålitelig\n", "cp1252"),
    ("Één leverancier – snel\nDe levertijd is €5 waard\n", "cp1252"),
    ("Café\n", "cp1252"),
    ("Η τιμή είναι το πιο σημαντικό\nΗ ποιότητα του προϊόντος\n", "cp1253"),
    ("Żółć gęślą jaźń\nCena jest najważniejsza dla klienta\n", "cp1250"),
    ("价格是最重要的\n交货时间要准确\n供应商的技术支持\n", "gbk"),
    ("Price\n", "utf-16"),
    ("statement,P1\ns1,0\n", "utf-16-le"),                      # no BOM: every other byte is NUL
    ("Prijs € en kwaliteit\n", "utf-8-sig"),
])
def test_encodings_are_read_as_written(text, encoding):
    assert decode("s.txt", text.encode(encoding)) == text


@pytest.mark.parametrize("text, encoding", [
    ("Fiyat en önemli şeydir\nKalite ve güvenilirlik\n", "cp1254"),   # Turkish: cp1250, 1252, 1254, 1257 all fit
    ("Цена важнее всего\nКачество продукции\n", "cp1251"),            # Russian or Greek bytes: cannot tell
])
def test_an_unclear_encoding_is_refused_never_garbled(text, encoding):
    with pytest.raises(FormatError, match="could be in any of these encodings") as info:
        decode("s.txt", text.encode(encoding))
    assert encoding in info.value.message and "--encoding" in info.value.message


# -- item 12: EQ Web Sort and Quince CSV result exports ----------------------------------------------------
@pytest.mark.parametrize("name, ids", [
    ("quince_baserow.csv", ["7c1e2a9b-41d", "0b5d7f13-9aa", "e29a44c0-7f2"]),
    ("eqweb_sheets.csv", ["5a1f0c3e-d21", "91c04e77-b0a", "3e7d9a20-5c4"]),
    ("eqweb_netlify.csv", ["5a1f0c3e-d21", "91c04e77-b0a", "3e7d9a20-5c4"]),
])
def test_eq_web_sort_and_quince_csv_exports_are_read(tmp_path, name, ids):
    path = DATA / name
    assert detect_format(path) == "webcsv"
    data = read_sorts(path, statements=DATA / "kenq_small_statements.txt")
    kenq = read_sorts(DATA / "kenq_small.csv")       # the same three sorts
    np.testing.assert_array_equal(data.sorts, kenq.sorts)
    assert data.participant_ids == ids and data.statement_ids == ["s1", "s2", "s3", "s4", "s5"]
    assert data.statement_texts[0] == "Price matters most"


def test_web_csv_errors_name_line_and_participant(tmp_path):
    path = tmp_path / "quince.csv"
    path.write_text("id,r1,r2\n1,(partId): anna,sort: -1|0|1\n2,(partId): ben,sort: 1|0|x\n")
    error = error_of(path)
    assert error.line == 3 and error.field == "'sort' of participant 'ben', statement 3"
    path.write_text("id,r1,r2\n1,(partId): anna,sort: -1|0|1\n2,(partId): ben,presortTrace: 1*p*1\n")
    error = error_of(path)
    assert error.line == 3 and "without a 'sort: ...' cell" in error.message
    path.write_text("id,r1,r2\n1,(partId): anna,sort: -1|0|1\n2,(partId): ben,sort: 1|0\n")
    assert error_of(path).message == "2 scores, the first participant has 3"


def test_error_paths_never_leak_the_temporary_folder(tmp_path):
    bad = _zip(tmp_path / "bad.zip", {"s.DAT": b"  0  1  3 T\n -1  1  1  1  1\nA          0 1-1\n",
                                      "s.STA": b"one\ntwo\n"})
    error = error_of(bad)
    assert str(error).startswith(f"{bad}!") and os.sep + "qsort-zip-" not in str(error)


@pytest.mark.parametrize("name", ["analysis.formats.encoding", "analysis.formats.archive",
                                  "analysis.formats.websort_csv", "analysis.formats._common"])
def test_docstring_examples_of_the_new_modules(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
