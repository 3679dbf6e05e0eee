"""The pipeline: options, errors, warnings, replay, and the JSON contract."""
import json

import numpy as np
import pytest

from analysis import RotationStep, qmethod

GRID = np.repeat([-3, -2, -1, 0, 1, 2, 3], [2, 3, 4, 6, 4, 3, 2])


def forced_sorts(n, seed=0, viewpoints=3):
    """Sorts built around a few viewpoints, so factors are real."""
    rng = np.random.default_rng(seed)
    bases = rng.normal(size=(viewpoints, GRID.size))
    cols = []
    for i in range(n):
        noisy = bases[i % viewpoints] + rng.normal(scale=0.8, size=GRID.size)
        col = np.empty(GRID.size, dtype=int)
        col[np.argsort(noisy, kind="stable")] = GRID
        cols.append(col)
    return np.column_stack(cols)


@pytest.fixture(scope="module")
def sorts():
    return forced_sorts(15)


CONTRACT_KEYS = {"participants", "statements", "eigenvalues", "explained_variance", "loadings", "flagged",
                 "zscores", "factor_arrays", "distinguishing", "consensus", "characteristics"}


@pytest.mark.parametrize("extraction", ["pca", "centroid"])
@pytest.mark.parametrize("rotation", ["varimax", "none"])
@pytest.mark.parametrize("cor_method", ["pearson", "spearman", "kendall"])
def test_every_option_gives_strict_json(sorts, extraction, rotation, cor_method):
    result = qmethod(sorts, 3, extraction, rotation, cor_method=cor_method)
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert CONTRACT_KEYS <= set(d)
    assert np.array(d["loadings"]).shape == (15, 3)
    assert {"n_flagged", "reliability", "se_zscores"} <= set(d["characteristics"])
    assert d["params"]["cor_method"] == cor_method
    for j in range(3):
        column = [row[j] for row in d["factor_arrays"]]
        if d["characteristics"]["n_flagged"][j]:
            assert sorted(column) == sorted(GRID.tolist())
        else:                                     # possible for a weak third centroid factor
            assert column == [None] * GRID.size and any(f"f{j + 1}" in w for w in d["warnings"])


def test_orientation_rule_positive_loading_sums(sorts):
    for extraction in ("pca", "centroid"):
        assert np.all(qmethod(sorts, 3, extraction).loadings.sum(axis=0) > 0)


def test_pca_factors_ordered_by_sum_of_squares(sorts):
    ss = qmethod(sorts, 3).characteristics.eigenvalues
    assert np.all(np.diff(ss) <= 0)


def test_rotation_steps_recorded_and_replayed(sorts):
    steps = [{"kind": "pair", "factors": [0, 1], "degrees": 20}, {"kind": "invert", "factor": 2}]
    first = qmethod(sorts, 3, rotation_steps=steps)
    replay = qmethod(sorts, 3, rotation_steps=first.params["rotation_steps"])
    np.testing.assert_array_equal(first.loadings, replay.loadings)
    plain = qmethod(sorts, 3)
    assert np.allclose(first.loadings[:, 2], -plain.loadings[:, 2])      # inversion is not undone
    assert first.params["rotation_steps"][1] == {"kind": "invert", "factor": 2}
    assert qmethod(sorts, 3, rotation_steps=[RotationStep("invert", (2,))]).loadings.sum(axis=0)[2] < 0


def test_manual_flags_override_and_are_recorded(sorts):
    auto = qmethod(sorts, 3)
    manual = auto.flagged.copy()
    manual[:, 0] = False
    manual[0, 0] = True
    result = qmethod(sorts, 3, manual_flags=manual)
    assert result.flagged.tolist() == manual.tolist()
    assert result.characteristics.n_flagged[0] == 1
    assert result.params["manual_flags"] == manual.tolist()


def test_factor_without_flagged_sort_warns_and_gives_none(sorts):
    manual = np.zeros((15, 3), dtype=bool)
    manual[:5, 0] = True
    manual[5:10, 1] = True
    result = qmethod(sorts, 3, manual_flags=manual)
    assert any("f3 has no flagged" in w for w in result.warnings)
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert all(row[2] is None for row in d["zscores"])
    assert all(row[2] is None for row in d["factor_arrays"])
    assert d["characteristics"]["reliability"][2] is None
    assert d["distinguishing"][2] == []
    assert all(isinstance(row[0], int) for row in d["factor_arrays"])


def test_negative_flags_policy():
    x = forced_sorts(12, seed=4)
    x[:, 11] = -x[:, 0]                                      # a mirror-image sort
    flagged = qmethod(x, 2)
    assert any("negative" in w for w in flagged.warnings)
    excluded = qmethod(x, 2, negative_flags="exclude")
    assert not (excluded.flagged & (excluded.loadings < 0)).any()
    assert not any("negative" in w for w in excluded.warnings)


def test_forced_distribution_mismatch_names_participant(sorts):
    x = sorts.copy()
    x[0, 4] = 7
    with pytest.raises(ValueError, match=r"'E' \(column 5\) does not follow the distribution"):
        qmethod(x, 2, participant_ids=list("ABCDEFGHIJKLMNO"))


def test_free_distribution(sorts):
    x = sorts.copy()
    x[0, 4] = 7                                              # no longer the forced shape
    free = np.repeat([-2, -1, 0, 1, 2], [3, 5, 10, 4, 2])
    result = qmethod(x, 2, distribution=free)
    assert sorted(result.factor_arrays[:, 0]) == sorted(free)
    assert result.params["forced"] is False


def test_effect_size_reduces_distinguishing(sorts):
    plain = qmethod(sorts, 3)
    strict = qmethod(sorts, 3, effect_size=2.0)
    assert sum(map(len, plain.distinguishing)) > 0
    for mine, before in zip(strict.distinguishing, plain.distinguishing):
        assert set(mine.tolist()) <= set(before.tolist())
    # differences of at least 2 z remain, smaller ones no longer count
    assert 0 < sum(map(len, strict.distinguishing)) < sum(map(len, plain.distinguishing))
    assert strict.to_dict()["qdc"]["effect_size"] == 2.0


def test_levels_nest(sorts):
    d = qmethod(sorts, 3).to_dict()
    by_level = d["distinguishing_by_level"]
    for j in range(3):
        assert set(by_level["0.01"][j]) <= set(by_level["0.05"][j])
        assert set(by_level["1e-06"][j]) <= set(by_level["0.001"][j])
    assert by_level["0.05"] == d["distinguishing"]


def test_kade_centroid_variant_close_to_qmethods(sorts):
    a = qmethod(sorts, 3, "centroid").loadings
    b = qmethod(sorts, 3, "centroid", centroid_start=0.5, centroid_tolerance=0.001).loadings
    assert np.abs(a - b).max() < 0.01


@pytest.mark.parametrize("kwargs, message", [
    ({"nfactors": 0}, "nfactors must be between 1 and"),
    ({"nfactors": 2.5}, "integer"),
    ({"extraction": "ml"}, "extraction must be one of"),
    ({"rotation": "geomin"}, "rotation must be one of varimax, none, quartimax, equamax, promax, oblimin"),
    ({"cor_method": "phi"}, "cor_method"),
    ({"flag_level": 0.2}, "flag level"),
    ({"participant_ids": ["a"]}, "participant_ids has 1 entries"),
])
def test_bad_options_are_clear_errors(sorts, kwargs, message):
    kwargs = {"nfactors": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        qmethod(sorts, **kwargs)


def test_one_factor(sorts):
    result = qmethod(sorts, 1)
    assert result.flagged.sum() > 0
    assert any("one factor" in w.lower() for w in result.warnings)
    json.dumps(result.to_dict(), allow_nan=False)


def test_dataframe_labels_become_ids(sorts):
    import pandas as pd  # a dependency of factor_analyzer
    frame = pd.DataFrame(sorts, index=[f"st{i}" for i in range(sorts.shape[0])],
                         columns=[f"person{j}" for j in range(sorts.shape[1])])
    d = qmethod(frame, 2).to_dict()
    assert d["participants"][0] == "person0" and d["statements"][-1] == f"st{sorts.shape[0] - 1}"


def test_free_distribution_with_fractional_values_keeps_them_in_json(sorts):
    free = np.linspace(-2, 2, GRID.size)
    d = qmethod(sorts, 2, distribution=free).to_dict()
    assert sorted(row[0] for row in d["factor_arrays"]) == pytest.approx(sorted(free))
