"""`qsort` commands end bad input and failures from outside the program in one line on stderr and a
non-zero exit, never a traceback (issue 10, items 8 and 11; the --encoding option of item 12)."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from qsort.cli import main

from tests.factories import make_study
from tests.paths import LIPSET

DATA = Path(__file__).parents[1] / "data/formats"


def run(*args, env=None):
    return CliRunner().invoke(main, [*map(str, args)], env=env)


def one_line_error(result, exit_code: int) -> str:
    """The single stderr line of a failed command (no traceback, no usage block)."""
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("content, words", [
    ("[" * 100_000, "JSON nested more than 64 levels deep"),
    ('{"a": ' * 100_000, "JSON nested more than 64 levels deep"),
])
def test_analyze_deeply_nested_json(tmp_path, content, words):
    path = tmp_path / "deep.json"
    path.write_text(content)
    line = one_line_error(run("analyze", path, "--factors", 1), 2)
    assert line.startswith("qsort analyze: error: ") and f"{path}:1: column " in line and words in line


def test_analyze_csv_with_a_field_over_128_kib(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text('statement,P1,P2\ns1,0,1\ns2,"' + "x" * 200_000 + '",0\n')
    line = one_line_error(run("analyze", path, "--factors", 1), 2)
    assert f"{path}:3: a field is longer than 128 KiB" in line


@pytest.mark.parametrize("score", ["1e300", "1e19"])
def test_analyze_refuses_scores_out_of_range_instead_of_wrapping(tmp_path, score):
    path = tmp_path / "big.csv"
    path.write_text(f"statement,P1,P2,P3\ns1,-1,1,0\ns2,0,{score},1\ns3,1,-1,-1\n")
    line = one_line_error(run("analyze", path, "--factors", 1), 2)
    assert f"{path}:3: column 3 (P2): score '{score}' is outside -99..+99" in line


def test_analyze_bootstrap_bound_is_checked_before_any_work(monkeypatch):
    import importlib

    def never(*args, **kwargs):
        raise AssertionError("the analysis must not start")

    # (analysis.bootstrap is also the name of the function the package re-exports: take the module itself)
    monkeypatch.setattr(importlib.import_module("analysis.bootstrap"), "bootstrap", never)
    monkeypatch.setattr("analysis.qmethod", never)
    line = one_line_error(run("analyze", LIPSET / "lipset.csv", "--factors", 2, "--bootstrap", 100_000_000), 2)
    assert line == "qsort analyze: error: --bootstrap: at most 10,000 resamples (1,000 give stable intervals)"


def test_bootstrap_itself_refuses_too_many_resamples():
    import numpy as np

    from analysis.bootstrap import bootstrap

    with pytest.raises(ValueError, match="at most 10,000"):
        bootstrap(np.tile(np.arange(-2, 3), (3, 1)).T, 1, 100_000_000)


def test_running_out_of_memory_is_one_line(monkeypatch):
    import analysis

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(analysis, "qmethod", exhausted)
    line = one_line_error(run("analyze", LIPSET / "lipset.csv", "--factors", 2), 1)
    assert line.startswith("qsort analyze: error: not enough memory")


def test_analyze_encoding_option(tmp_path):
    result = run("analyze", DATA / "kenq_small.csv", "--factors", 1, "--statements", DATA / "ja_statements_sjis.txt",
                 "--encoding", "shift_jis", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"価格が一番大事です"' in result.stdout
    line = one_line_error(run("analyze", LIPSET / "lipset.csv", "--factors", 1, "--encoding", "nonsense"), 2)
    assert line == ("qsort analyze: error: --encoding: unknown encoding 'nonsense' "
                    "(e.g. utf-8, cp1252, shift_jis, gb18030)")
    turkish = tmp_path / "tr_statements.txt"
    turkish.write_bytes("Fiyat en önemli şeydir\nKalite ve güvenilirlik\nTeslimat zamanında\nUzun vadeli ortaklık\n"
                        "Satış sonrası hizmet\n".encode("cp1254"))
    line = one_line_error(run("analyze", DATA / "kenq_small.csv", "--factors", 1, "--statements", turkish), 2)
    assert "could be in any of these encodings: cp1250, cp1252, cp1254, cp1257" in line
    assert "--encoding NAME" in line
    result = run("analyze", DATA / "kenq_small.csv", "--factors", 1, "--statements", turkish, "--encoding", "cp1254")
    assert result.exit_code == 0 and '"Satış sonrası hizmet"' in result.stdout


def test_analyze_reads_quince_and_r_layouts():
    result = run("analyze", DATA / "quince_baserow.csv", "--factors", 1)
    assert result.exit_code == 0, result.output
    result = run("analyze", DATA / "lipset_write_csv.csv", "--factors", 3)
    assert result.exit_code == 0 and '"participants": ["US1", "US2"' in result.stdout


@pytest.fixture
def cli_env(app, session):
    study, _token = make_study(session)
    return study.id, {"QSORT_DATABASE_URL": app.config["DATABASE_URL"], "QSORT_SECRET_KEY": "x"}


def test_export_to_a_missing_folder(cli_env, tmp_path):
    study_id, env = cli_env
    target = tmp_path / "nonexistent" / "dir" / "x.csv"
    line = one_line_error(run("export", study_id, "--format", "json", "-o", target, env=env), 1)
    assert line == f"Error: -o: there is no folder {target.parent}"


def test_export_to_a_file_that_cannot_be_written(cli_env, tmp_path, monkeypatch):
    study_id, env = cli_env
    target = tmp_path / "x.json"

    def disk_full(self, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    line = one_line_error(run("export", study_id, "--format", "json", "-o", target, env=env), 1)
    assert line == f"Error: cannot write {target}: No space left on device"


def test_an_os_error_in_any_command_is_one_line(cli_env, monkeypatch):
    study_id, env = cli_env

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", "/var/lib/qsort/qsort.sqlite")

    monkeypatch.setattr("qsort.exchange.export_study", disk_full)
    line = one_line_error(run("export", study_id, "--format", "json", env=env), 1)
    assert line == "qsort export: error: /var/lib/qsort/qsort.sqlite: No space left on device"
