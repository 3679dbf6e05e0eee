"""``qsort analyze``: the JSON contract on lipset, the text report, and errors for bad files."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qsort.cli import main

LIPSET = Path("/work/shared/reference/lipset")
DATA = Path(__file__).parents[2] / "data/formats"
CONTRACT = ["participants", "statements", "eigenvalues", "explained_variance", "loadings", "flagged",
            "zscores", "factor_arrays", "distinguishing", "consensus", "characteristics"]


def run(*args):
    return CliRunner().invoke(main, ["analyze", *map(str, args)])


@pytest.fixture(scope="module")
def lipset_json():
    result = run(LIPSET / "lipset.csv", "--factors", 3, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_contract_keys_and_shapes(lipset_json):
    out = lipset_json
    assert all(key in out for key in CONTRACT)
    assert out["participants"] == ["US1", "US2", "US3", "US4", "JP5", "CA6", "UK7", "US8", "FR9"]
    assert out["statements"] == [f"sta_{i}" for i in range(1, 34)]
    assert np.array(out["loadings"]).shape == (9, 3)
    assert np.array(out["flagged"]).shape == (9, 3) and np.array(out["flagged"]).dtype == bool
    assert np.array(out["zscores"]).shape == (33, 3)
    arrays = np.array(out["factor_arrays"])
    assert arrays.shape == (33, 3) and arrays.dtype.kind == "i"
    assert len(out["eigenvalues"]) == 9 and len(out["explained_variance"]) == 3
    assert len(out["distinguishing"]) == 3 and all(isinstance(s, str) for d in out["distinguishing"] for s in d)
    assert set(out["consensus"]) <= set(out["statements"])
    assert set(out["characteristics"]) >= {"n_flagged", "reliability", "se_zscores"}
    assert out["input"]["grid"] == {"scores": list(range(-4, 5)), "heights": [2, 3, 4, 5, 5, 5, 4, 3, 2]}


def test_json_numbers_match_the_reference(lipset_json):
    ref = json.loads((LIPSET / "out_PCA_varimax/results.json").read_text())
    np.testing.assert_allclose(lipset_json["eigenvalues"][:4], [2.3838, 2.0153, 1.3408, 1.1274], atol=1e-4)
    loadings = np.array(lipset_json["loadings"])
    np.testing.assert_allclose(loadings[:3], [[0.1909, 0.7658, -0.1683], [-0.0655, 0.8258, 0.1067],
                                              [0.8107, -0.0164, -0.0929]], atol=1e-4)
    flagged = np.array(lipset_json["flagged"])
    assert [lipset_json["participants"][i] for i in np.flatnonzero(flagged[:, 0])] == ["US3", "US4", "JP5"]
    assert "loa" in ref or "loa_rotated" in ref or ref  # the reference file is there and readable
    # factor arrays fill the grid exactly
    for column in np.array(lipset_json["factor_arrays"]).T:
        assert sorted(column.tolist()) == sorted(np.repeat(range(-4, 5), [2, 3, 4, 5, 5, 5, 4, 3, 2]).tolist())


def test_dat_gives_the_same_numbers_as_csv(lipset_json):
    result = run(LIPSET / "pqmethod/LIPSET.DAT", "--factors", 3)
    assert result.exit_code == 0
    out = json.loads(result.output)
    np.testing.assert_allclose(out["loadings"], lipset_json["loadings"], atol=1e-12)
    assert out["input"]["statement_texts"][0].startswith("1We accept")


def test_options_are_passed_on():
    result = run(LIPSET / "lipset.csv", "--factors", 2, "--extraction", "centroid", "--rotation", "none",
                 "--cor", "spearman", "--flag-level", "0.01")
    assert result.exit_code == 0, result.output
    params = json.loads(result.output)["params"]
    assert (params["nfactors"], params["extraction"], params["rotation"], params["cor_method"],
            params["flag_level"]) == (2, "centroid", "none", "spearman", 0.01)


def test_text_report_content():
    result = run(LIPSET / "pqmethod/LIPSET.DAT", "--factors", 3, "--format", "text")
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("=")
    assert "Lipset Study" in text and "Grid: -4..+4: 2,3,4,5,5,5,4,3,2" in text
    for section in ("Eigenvalues of the correlation matrix", "Factor characteristics", "Factor loadings",
                    "Factor arrays", "descending order of z-score", "Distinguishing statements",
                    "Consensus statements", "Warnings"):
        assert section in text, section
    assert "US3            0.8107X" in text                    # defining sort marked
    assert "We value the race for success" in text             # statement texts from the .STA
    consensus = text.split("Consensus statements")[1]
    assert "sta_14" in consensus and "sta_20" in consensus


def test_statements_option_and_free_distribution(tmp_path):
    free = tmp_path / "free.csv"
    free.write_text('"statement","a","b","c"\n"s1",3,1,0\n"s2",1,0,2\n"s3",0,2,1\n"s4",-1,-1,0\n"s5",0,-2,-1\n')
    texts = tmp_path / "t.txt"
    texts.write_text("one\ntwo\nthree\nfour\nfive\n")
    result = run(free, "--factors", 1, "--statements", texts, "--format", "text")
    assert result.exit_code == 0, result.output
    assert "three" in result.output and "Free distribution" in result.output


@pytest.mark.parametrize("content, words", [
    ('"statement","a","b"\n"s1",1\n', "free.csv:2: expected 3 fields"),
    ('"statement","a","b"\n"s1",1,x\n', "free.csv:2: column 3 (b): score 'x' is not a number"),
    ('"statement","a","a"\n"s1",1,0\n', "free.csv:1: column 3 (participant): duplicate participant id 'a'"),
    ('', "free.csv: empty file"),
    ('"item","a"\n"s1",1\n', "free.csv:1: header: the first header cell must be 'statement'"),
])
def test_bad_files_exit_2_with_file_line_field(tmp_path, content, words):
    path = tmp_path / "free.csv"
    path.write_text(content)
    result = run(path, "--factors", 1, "--input-format", "csv")
    assert result.exit_code == 2
    assert words in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_analysis_errors_exit_2(tmp_path):
    result = run(LIPSET / "lipset.csv", "--factors", 12)
    assert result.exit_code == 2 and "nfactors must be between 1 and 9" in result.stderr
    const = tmp_path / "const.csv"
    const.write_text('"statement","a","b","c"\n"s1",0,1,-1\n"s2",0,0,0\n"s3",0,-1,1\n')
    result = run(const, "--factors", 1)
    assert result.exit_code == 2 and "'a'" in result.stderr and "const.csv" in result.stderr
    result = run(DATA / "lipset_offgrid.DAT", "--factors", 3)
    assert result.exit_code == 2 and "lipset_offgrid.DAT:5: label: Q-sort 'US3' does not fit the grid" in result.stderr


def test_subprocess_no_traceback_and_help_is_light():
    bin_dir = Path(sys.executable).parent
    proc = subprocess.run([bin_dir / "qsort", "analyze", "missing.dat", "--factors", "2"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "missing.dat: no such file" in proc.stderr and "Traceback" not in proc.stderr
    # `qsort --help` must not import the analysis engine (numpy/scipy)
    code = "import sys; from qsort.cli import main; assert 'analysis' not in sys.modules; assert 'numpy' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_factors_auto_and_bootstrap_json():
    result = run(LIPSET / "lipset.csv", "--factors", "auto", "--bootstrap", 50, "--seed", 3)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    advice = out["nfactors_advice"]
    assert advice["kaiser"] == 4 and advice["suggested"] == advice["parallel"]["n_factors"] == 2
    assert out["params"]["nfactors"] == 2 and np.array(out["loadings"]).shape == (9, 2)
    boot = out["bootstrap"]
    assert boot["n_resamples"] == 50 and boot["seed"] == 3
    assert np.array(boot["zscores_lower"]).shape == (33, 2) and np.array(boot["flag_frequency"]).shape == (9, 2)


def test_factors_auto_and_bootstrap_text():
    result = run(LIPSET / "pqmethod/LIPSET.DAT", "--factors", "auto", "--bootstrap", 30, "--format", "text")
    assert result.exit_code == 0, result.output
    assert "Parallel analysis:" in result.output and "Suggested:" in result.output
    assert "Bootstrap (30 resamples, seed 0)" in result.output and "in resamples" in result.output


@pytest.mark.parametrize("args, words", [(["--factors", "many"], "neither a number of factors"),
                                         (["--factors", "0"], "neither a number of factors"),
                                         (["--factors", "2", "--bootstrap", "1"], "at least 2 resamples")])
def test_bad_options_exit_2(args, words):
    result = run(LIPSET / "lipset.csv", *args)
    assert result.exit_code == 2 and words in result.output
