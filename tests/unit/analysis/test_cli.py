"""``qsort analyze``: the JSON contract on lipset, the text report, and errors for bad files."""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qsort.cli import main

from tests.paths import LIPSET
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


def reference(key: str, ref: dict) -> np.ndarray:
    return np.array(ref[key]["values"], dtype=float)


def test_json_numbers_match_the_reference(lipset_json):
    """R qmethod's own output for PCA + varimax, 3 factors (same order and sign as ours for PCA)."""
    ref = json.loads((LIPSET / "out_PCA_varimax/results.json").read_text())
    out = lipset_json
    assert out["participants"] == ref["loa_rotated"]["rownames"] and out["statements"] == ref["zsc"]["rownames"]
    np.testing.assert_allclose(out["eigenvalues"], ref["cor_eigenvalues"], atol=1e-10)
    np.testing.assert_allclose(out["unrotated_loadings"], reference("loa_unrotated", ref), atol=1e-10)
    np.testing.assert_allclose(out["loadings"], reference("loa_rotated", ref), atol=1e-10)
    assert out["flagged"] == ref["flagged"]["values"]
    np.testing.assert_allclose(out["zscores"], reference("zsc", ref), atol=1e-10)
    assert out["factor_arrays"] == np.array(ref["zsc_n"]["values"]).astype(int).tolist()
    chars = reference("characteristics", ref["f_char"])      # av_rel_coef, nload, eigenvals, expl_var, rel, se
    assert out["characteristics"]["n_flagged"] == chars[:, 1].astype(int).tolist()
    np.testing.assert_allclose(out["characteristics"]["eigenvalues"], chars[:, 2], atol=1e-10)
    np.testing.assert_allclose(out["explained_variance"], chars[:, 3], atol=1e-10)
    np.testing.assert_allclose(out["characteristics"]["reliability"], chars[:, 4], atol=1e-12)
    np.testing.assert_allclose(out["characteristics"]["se_zscores"], chars[:, 5], atol=1e-12)
    np.testing.assert_allclose(out["factor_correlations"], reference("cor_zsc", ref["f_char"]), atol=1e-10)
    np.testing.assert_allclose(out["sed"], reference("sd_dif", ref["f_char"]), atol=1e-12)
    assert [out["participants"][i] for i in np.flatnonzero(np.array(out["flagged"])[:, 0])] == ["US3", "US4", "JP5"]


def test_dat_gives_the_same_numbers_as_csv(lipset_json):
    result = run(LIPSET / "pqmethod/LIPSET.DAT", "--factors", 3)
    assert result.exit_code == 0
    out = json.loads(result.output)
    np.testing.assert_allclose(out["loadings"], lipset_json["loadings"], atol=1e-12)
    assert out["input"]["statement_texts"][0].startswith("1We accept")


def test_options_change_the_result(lipset_json):
    from scipy.stats import spearmanr

    from analysis.formats import read_sorts

    x = read_sorts(LIPSET / "lipset.csv").sorts
    centroid = analyze_json("--extraction", "centroid")
    assert centroid["params"]["extraction"] == "centroid"
    assert not np.allclose(centroid["unrotated_loadings"], lipset_json["unrotated_loadings"], atol=1e-3)
    unrotated = analyze_json("--rotation", "none")
    assert unrotated["params"]["rotation"] == "none"
    np.testing.assert_allclose(unrotated["loadings"], lipset_json["unrotated_loadings"], atol=1e-12)
    assert not np.allclose(unrotated["loadings"], lipset_json["loadings"], atol=1e-3)
    spearman = analyze_json("--cor", "spearman")
    assert spearman["params"]["cor_method"] == "spearman"
    expected = np.sort(np.linalg.eigvalsh(spearmanr(x).statistic))[::-1]
    np.testing.assert_allclose(spearman["eigenvalues"], expected, atol=1e-10)
    assert not np.allclose(spearman["eigenvalues"], lipset_json["eigenvalues"], atol=1e-3)
    # FR9 loads -0.448 on f3: significant above 1.96/sqrt(33) = 0.341, not above 2.58/sqrt(33) = 0.449
    strict = analyze_json("--flag-level", "0.01")
    assert strict["params"]["flag_level"] == 0.01
    assert rows(lipset_json, "flagged")["FR9"] == [False, False, True]
    assert rows(strict, "flagged")["FR9"] == [False, False, False]
    assert not np.allclose(strict["zscores"], lipset_json["zscores"])
    two = analyze_json(factors=2)
    assert two["params"]["nfactors"] == 2 and np.array(two["loadings"]).shape == (9, 2)


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
    code = ("import sys; from qsort.cli import main; "
            "assert 'analysis' not in sys.modules; assert 'numpy' not in sys.modules")
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


# -- engine options on the command line ---------------------------------------------------------------------

def analyze_json(*args, path=LIPSET / "lipset.csv", factors=3):
    result = run(path, "--factors", factors, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(out, key):
    """participant id -> row of a (participants x factors) key."""
    return dict(zip(out["participants"], out[key]))


def test_negative_flags_flag_or_exclude(lipset_json):
    # JP5 loads -0.83 on f1 and FR9 -0.45 on f3: flagged there by qmethod's rule, with a warning
    assert rows(lipset_json, "flagged")["JP5"] == [True, False, False]
    assert rows(lipset_json, "flagged")["FR9"] == [False, False, True]
    assert any("negative loadings" in w for w in lipset_json["warnings"])
    out = analyze_json("--negative-flags", "exclude")
    assert rows(out, "flagged")["JP5"] == rows(out, "flagged")["FR9"] == [False, False, False]
    assert not any("negative loadings" in w for w in out["warnings"])
    assert out["params"]["negative_flags"] == "exclude"
    assert out["characteristics"]["n_flagged"] == [2, 3, 2]
    z, z_before = np.array(out["zscores"]), np.array(lipset_json["zscores"])
    assert not np.allclose(z[:, 0], z_before[:, 0]) and not np.allclose(z[:, 2], z_before[:, 2])
    np.testing.assert_allclose(z[:, 1], z_before[:, 1])       # f2 had no negative flags


def test_manual_flags_replace_automatic_flags_of_listed_participants_only(lipset_json):
    out = analyze_json("--flag", "US1=3,US3=0", "--flag", "FR9=-")
    flagged, before = rows(out, "flagged"), rows(lipset_json, "flagged")
    assert flagged["US1"] == [False, False, True]                 # was on f2
    assert flagged["US3"] == flagged["FR9"] == [False, False, False]
    for pid in set(before) - {"US1", "US3", "FR9"}:
        assert flagged[pid] == before[pid], pid
    # recorded as the engine takes them (0-based factors, None = unflagged), so qmethod(flag_overrides=...) replays
    assert out["params"]["flag_overrides"] == {"US1": 2, "US3": None, "FR9": None}
    assert out["params"]["manual_flags"] == out["flagged"]
    assert out["characteristics"]["n_flagged"] == [2, 2, 3]
    assert not np.allclose(out["zscores"], lipset_json["zscores"])
    assert any("negative loadings" in w for w in out["warnings"])   # JP5 still is, automatically
    np.testing.assert_allclose(out["loadings"], lipset_json["loadings"])


def test_manual_flag_can_put_a_sort_on_a_factor_and_clears_the_negative_warning():
    out = analyze_json("--flag", "JP5=0,FR9=0,CA6=1")
    assert rows(out, "flagged")["CA6"] == [True, False, False]
    assert not any("negative loadings" in w for w in out["warnings"])


def test_rotate_pair_then_back_is_no_rotation(lipset_json):
    out = analyze_json("--rotate-pair", "1,2,15", "--rotate-pair", "1,2,-15")
    for key in ("loadings", "zscores"):
        np.testing.assert_allclose(out[key], lipset_json[key], atol=1e-12)
    assert out["flagged"] == lipset_json["flagged"] and out["factor_arrays"] == lipset_json["factor_arrays"]
    assert out["params"]["rotation_steps"] == [{"kind": "pair", "factors": [0, 1], "degrees": 15.0},
                                               {"kind": "pair", "factors": [0, 1], "degrees": -15.0}]


def test_rotate_pair_turns_the_two_factors_only(lipset_json):
    out = analyze_json("--rotate-pair", "2,3,30")
    a, b = np.array(lipset_json["loadings"]), np.array(out["loadings"])
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    np.testing.assert_allclose(b[:, 0], a[:, 0])
    np.testing.assert_allclose(b[:, 1], c * a[:, 1] + s * a[:, 2])
    np.testing.assert_allclose(b[:, 2], -s * a[:, 1] + c * a[:, 2])
    assert out["params"]["rotation_steps"] == [{"kind": "pair", "factors": [1, 2], "degrees": 30.0}]


def test_invert_flips_the_sign_of_that_factor(lipset_json):
    out = analyze_json("--invert", "2")
    a, b = np.array(lipset_json["loadings"]), np.array(out["loadings"])
    np.testing.assert_allclose(b[:, 1], -a[:, 1])
    np.testing.assert_allclose(np.delete(b, 1, axis=1), np.delete(a, 1, axis=1))
    za, zb = np.array(lipset_json["zscores"]), np.array(out["zscores"])
    np.testing.assert_allclose(zb[:, 1], -za[:, 1], atol=1e-12)
    np.testing.assert_allclose(zb[:, [0, 2]], za[:, [0, 2]], atol=1e-12)
    assert out["flagged"] == lipset_json["flagged"]
    assert out["params"]["rotation_steps"] == [{"kind": "invert", "factor": 1}]


def test_judgmental_steps_run_in_command_line_order_and_replay():
    from analysis import qmethod
    from analysis.formats import read_sorts

    invert_first = analyze_json("--invert", "1", "--rotate-pair", "1,2,30")
    rotate_first = analyze_json("--rotate-pair=1,2,30", "--invert=1")
    assert [s["kind"] for s in invert_first["params"]["rotation_steps"]] == ["invert", "pair"]
    assert [s["kind"] for s in rotate_first["params"]["rotation_steps"]] == ["pair", "invert"]
    assert not np.allclose(invert_first["loadings"], rotate_first["loadings"])
    # the params replay the run through the Python API
    data = read_sorts(LIPSET / "lipset.csv")
    for out in (invert_first, rotate_first):
        replay = qmethod(data.sorts, 3, rotation_steps=out["params"]["rotation_steps"],
                         distribution=out["params"]["distribution"])
        np.testing.assert_allclose(replay.loadings, out["loadings"], atol=1e-12)
        np.testing.assert_allclose(replay.zscores, out["zscores"], atol=1e-12)


def test_centroid_variant_pqmethod():
    from analysis import qmethod
    from analysis.formats import read_sorts

    default = analyze_json("--extraction", "centroid")
    pq = analyze_json("--extraction", "centroid", "--centroid-variant", "pqmethod")
    assert (default["params"]["centroid_start"], default["params"]["centroid_tolerance"]) == ("mean", 1e-5)
    assert (pq["params"]["centroid_start"], pq["params"]["centroid_tolerance"]) == (0.5, 0.001)
    assert not np.allclose(pq["unrotated_loadings"], default["unrotated_loadings"], atol=1e-9)
    np.testing.assert_allclose(pq["unrotated_loadings"], default["unrotated_loadings"], atol=0.05)  # same solution
    data = read_sorts(LIPSET / "lipset.csv")
    engine = qmethod(data.sorts, 3, "centroid", centroid_start=0.5, centroid_tolerance=0.001)
    np.testing.assert_allclose(pq["loadings"], engine.loadings, atol=1e-12)


def test_effect_size_thins_out_distinguishing_statements(lipset_json):
    assert analyze_json("--effect-size", "0")["distinguishing"] == lipset_json["distinguishing"]
    some = analyze_json("--effect-size", "1.5")
    assert some["params"]["effect_size"] == 1.5 and some["qdc"]["effect_size"] == 1.5
    for factor, before in zip(some["distinguishing"], lipset_json["distinguishing"]):
        assert set(factor) <= set(before)
    assert sum(map(len, some["distinguishing"])) < sum(map(len, lipset_json["distinguishing"]))
    none = analyze_json("--effect-size", "100")
    assert none["distinguishing"] == [[], [], []] and len(none["consensus"]) == 33


def test_forced_study_by_default_free_on_request(lipset_json):
    assert (lipset_json["params"]["forced"], lipset_json["params"]["distribution_source"]) == (True, "grid")
    free = analyze_json("--free")
    assert (free["params"]["forced"], free["params"]["distribution_source"]) == (False, "pooled")
    assert any("Free distribution (treated as free on request)" in w for w in free["warnings"])
    # the lipset sorts all fill one grid, so their pooled distribution is that grid: same numbers
    assert free["factor_arrays"] == lipset_json["factor_arrays"]
    same = analyze_json("--distribution", "-4:2,-3:3,-2:4,-1:5,0:5,1:5,2:4,3:3,4:2")
    assert same["params"]["forced"] is True and same["factor_arrays"] == lipset_json["factor_arrays"]


FREE_CSV = ('"statement","a","b","c","d"\n"s1",3,2,0,2\n"s2",1,0,2,1\n"s3",0,2,1,0\n"s4",-1,-1,0,-2\n'
            '"s5",0,-2,-1,0\n"s6",-2,0,-2,-1\n"s7",1,1,0,0\n')


def test_distribution_option_shapes_the_factor_arrays_of_a_free_study(tmp_path):
    path = tmp_path / "free.csv"
    path.write_text(FREE_CSV)
    pooled = analyze_json(path=path, factors=1)
    assert pooled["params"]["distribution_source"] == "pooled" and pooled["input"]["grid"] is None
    assert any("Free distribution (the Q-sorts do not share one grid)" in w for w in pooled["warnings"])
    out = analyze_json("--distribution", "-1:2,0:3,1:2", path=path, factors=1)
    assert (out["params"]["forced"], out["params"]["distribution_source"]) == (False, "option")
    assert sorted(np.array(out["factor_arrays"])[:, 0].tolist()) == [-1, -1, 0, 0, 0, 1, 1]
    np.testing.assert_allclose(out["zscores"], pooled["zscores"])
    assert any("distribution given (-1..+1: 2,3,2)" in w for w in out["warnings"])


def test_distribution_other_than_the_grid_needs_free():
    spec = "-4:1,-3:4,-2:4,-1:5,0:5,1:5,2:4,3:4,4:1"
    result = run(LIPSET / "lipset.csv", "--factors", 3, "--distribution", spec)
    assert result.exit_code == 2 and "--distribution: the Q-sorts fill the grid" in result.stderr
    out = analyze_json("--free", "--distribution", spec)
    assert out["params"]["forced"] is False
    for column in np.array(out["factor_arrays"]).T:
        assert np.bincount(column + 4).tolist() == [1, 4, 4, 5, 5, 5, 4, 4, 1]


def test_bootstrap_says_what_it_leaves_out():
    out = analyze_json("--invert", "1", "--bootstrap", 5)
    assert any("bootstrap uses automatic flags" in w for w in out["warnings"])


@pytest.mark.parametrize("args, option, words", [
    (["--negative-flags", "keep"], "--negative-flags", "'keep' is not one of 'flag', 'exclude'"),
    (["--flag", "US1"], "--flag", "'US1' is not PARTICIPANT=FACTOR"),
    (["--flag", "US1=x"], "--flag", "the factor must be a number"),
    (["--flag", "US1=1", "--flag", "US1=2"], "--flag", "'US1' is given more than once"),
    (["--flag", "P1=1,XX=2"], "--flag", "unknown participant ids 'P1', 'XX'"),
    (["--flag", "US1=4"], "--flag", "no such factor in US1=4: the solution has 3"),
    (["--rotate-pair", "1,2"], "--rotate-pair", "'1,2' is not I,J,DEGREES"),
    (["--rotate-pair", "2,2,10"], "--rotate-pair", "two different factor numbers"),
    (["--rotate-pair", "0,2,10"], "--rotate-pair", "two different factor numbers 1, 2"),
    (["--rotate-pair", "1,2,ten"], "--rotate-pair", "the angle is not a number"),
    (["--rotate-pair", "1,2,inf"], "--rotate-pair", "the angle must be a finite number"),
    (["--rotate-pair", "1,4,10"], "--rotate-pair", "there is no factor 4: the solution has 3"),
    (["--invert", "0"], "--invert", "0 is not in the range"),
    (["--invert", "4"], "--invert", "there is no factor 4"),
    (["--centroid-variant", "kade"], "--centroid-variant", "'kade' is not one of"),
    (["--centroid-variant", "pqmethod"], "--centroid-variant", "applies to --extraction centroid only"),
    (["--effect-size", "-0.5"], "--effect-size", "is negative"),
    (["--effect-size", "nan"], "--effect-size", "must be a finite number"),
    (["--effect-size", "big"], "--effect-size", "is not a number"),
    (["--distribution", "-4:2,-3"], "--distribution", "'-3' is not SCORE:COUNT"),
    (["--distribution", "1:2,0:3"], "--distribution", "strictly increasing"),
    (["--distribution", "-1:1,0:1,1:1"], "--distribution", "holds 3 statements, the study has 33"),
    (["--factors", "many"], "--factors", "neither a number of factors"),
])
def test_bad_engine_options_exit_2_with_one_line_naming_the_option(args, option, words):
    result = run(LIPSET / "lipset.csv", "--factors", 3, *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"qsort analyze: error: {option}: "), result.stderr
    assert words in lines[0] and result.stdout == ""


# -- statements with tags, viewpoints and segments ----------------------------------------------------------

def tagged_study(tmp_path, statements_name="study_statements.csv", header="statement,text,tags"):
    """A study of 12 statements (4 tagged a, 4 b, 4 c): five sorts prefer a over c, four c over a, three b."""
    from analysis.simulate import planted_types, simulate_sorts

    tags = ["a"] * 4 + ["b"] * 4 + ["c"] * 4
    grid = np.repeat([-2, -1, 0, 1, 2], [1, 2, 6, 2, 1])
    study = simulate_sorts(tags, grid, planted_types({"a": 5, "b": 4, "c": 4}, [("a", "c")]), noise=0.4, seed=2)
    path = tmp_path / "study.csv"
    lines = ["statement," + ",".join(study.participant_ids)]
    lines += [f"s{i + 1}," + ",".join(map(str, row)) for i, row in enumerate(study.sorts.tolist())]
    path.write_text("\n".join(lines) + "\n")
    texts = [header] + [f"s{i + 1},Statement {i + 1},{tag}" for i, tag in enumerate(tags)]
    (tmp_path / statements_name).write_text("\n".join(texts) + "\n")
    return path


def test_statements_csv_beside_the_data_gives_viewpoints_archetypes_and_segments(tmp_path):
    out = analyze_json(path=tagged_study(tmp_path), factors="auto")
    assert out["input"]["statements_file"].endswith("study_statements.csv")
    assert out["input"]["statement_tags"][:5] == [["a"], ["a"], ["a"], ["a"], ["b"]]
    assert out["input"]["statement_texts"][0] == "Statement 1"
    by_archetype = {v["archetype"]: v for v in out["viewpoints"]}
    assert set(by_archetype) == {"a", "b", "c"}
    a, c = by_archetype["a"], by_archetype["c"]
    assert a["factor"] == c["factor"] and {a["pole"], c["pole"]} == {"+", "-"}     # one bipolar factor
    assert a["participants"] == [f"a-{i}" for i in range(1, 6)]
    assert a["archetype_scores"]["a"] > 0.5 > -0.5 > a["archetype_scores"]["c"]
    segment = out["segments"]["c-1"]
    assert (segment["viewpoint"], segment["archetype"], segment["status"]) == (c["id"], "c", "defining")
    assert segment["loading"] > 0.5 and segment["factor"] == c["factor"]
    assert list(out["segments"]) == out["participants"]


def test_statements_option_with_tags_and_the_text_report_in_words(tmp_path):
    path = tagged_study(tmp_path, statements_name="texts.csv")
    result = run(path, "--statements", tmp_path / "texts.csv", "--format", "text")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Viewpoints (factor poles) and buyer types" in text
    assert re.search(r"Viewpoint 1[+-] \(\w+ pole of f1; 5 defining Q-sorts: a-1, a-2, a-3, a-4, a-5\) looks like\s+a"
                     r"\s+buyers:\s+its a statements score \+\d\.\d\d on average", text), text
    assert "Segments (each participant" in text and "Crib sheet: viewpoint" in text
    assert re.search(r"c-1\s+1[+-]\s+c\s+0\.\d{4}", text)


def test_statements_without_tags_give_viewpoints_without_archetypes(tmp_path):
    path = tagged_study(tmp_path, header="statement,text")
    text = (tmp_path / "study_statements.csv").read_text().replace(",a\n", "\n").replace(",b\n", "\n")
    (tmp_path / "study_statements.csv").write_text(text.replace(",c\n", "\n"))
    out = analyze_json(path=path, factors=2)
    assert out["input"]["statement_tags"] is None and out["input"]["statement_texts"][0] == "Statement 1"
    assert out["viewpoints"] and all(v["archetype"] is None and v["archetype_scores"] == {} for v in out["viewpoints"])


@pytest.mark.parametrize("content, words", [
    ("statement,text,tags,extra\ns1,x,a,b\n", "texts.csv:1: header: header must be 'statement,text' or "
                                               "'statement,text,tags'"),
    ("statement,text,tags\ns1,x\n", "texts.csv:2: expected 3 fields (statement, text, tags), found 2"),
    ("statement,text,tags\ns1,x,a\ns1,y,b\n", "texts.csv:3: statement: duplicate statement id 's1'"),
])
def test_bad_statements_file_names_file_line_and_field(tmp_path, content, words):
    path = tagged_study(tmp_path)
    (tmp_path / "texts.csv").write_text(content)
    result = run(path, "--statements", tmp_path / "texts.csv")
    assert result.exit_code == 2 and words in result.stderr, result.stderr


def test_factors_default_to_auto_and_help_works():
    out = json.loads(run(LIPSET / "lipset.csv").stdout)           # no --factors: auto
    assert out["params"]["nfactors"] == out["nfactors_advice"]["suggested"] == 2
    result = run("--help")
    assert result.exit_code == 0 and "usage: qsort analyze" in result.stdout and "--statements" in result.stdout
