"""Properties of the pipeline on random forced Q-sorts (hypothesis), edge cases, and the four real studies."""
import csv
import json
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import qmethod

from tests.paths import DATASETS


@st.composite
def forced_study(draw, min_sorts=4, max_sorts=30):
    """A grid -h..h with symmetric-ish heights and random sorts that follow it (some sharing viewpoints)."""
    half = draw(st.integers(2, 4))
    heights = [draw(st.integers(1, 4)) for _ in range(2 * half + 1)]
    grid = np.repeat(np.arange(-half, half + 1), heights)
    if grid.size < 6:
        grid = np.repeat(np.arange(-half, half + 1), [h + 1 for h in heights])
    n = draw(st.integers(min_sorts, max_sorts))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    bases = rng.normal(size=(3, grid.size))
    sorts = np.empty((grid.size, n), dtype=int)
    for i in range(n):
        noisy = bases[i % 3] + rng.normal(scale=1.0, size=grid.size)
        sorts[np.argsort(noisy, kind="stable"), i] = grid
    return sorts, grid


def strict_json(result) -> dict:
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


def assert_sane(result):
    """No NaN anywhere it is not an explained gap, and strict JSON."""
    assert np.all(np.isfinite(result.loadings))
    assert np.all(np.isfinite(result.eigenvalues))
    missing = np.isnan(result.zscores).any(axis=0)
    for j in np.flatnonzero(missing):
        assert any(f"f{j + 1} has no flagged" in w for w in result.warnings)
    strict_json(result)


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(forced_study(), st.integers(1, 4), st.sampled_from(["pca", "centroid"]), st.sampled_from(["varimax", "none"]))
def test_factor_arrays_follow_the_grid(study, nfactors, extraction, rotation):
    sorts, grid = study
    nfactors = min(nfactors, sorts.shape[1])
    result = qmethod(sorts, nfactors, extraction, rotation)
    assert_sane(result)
    assert np.all(result.loadings.sum(axis=0) >= 0)          # the orientation rule
    assert result.flagged.sum(axis=1).max() <= 1             # automatic flags: one factor per sort at most
    for j in range(nfactors):
        if not np.isnan(result.zscores[:, j]).any():
            values, counts = np.unique(result.factor_arrays[:, j], return_counts=True)
            expected_values, expected_counts = np.unique(grid, return_counts=True)
            assert values.tolist() == expected_values.tolist()
            assert counts.tolist() == expected_counts.tolist()


@SETTINGS
@given(forced_study(min_sorts=6), st.integers(0, 2 ** 32 - 1), st.sampled_from(["varimax", "none"]))
def test_permuting_participants_permutes_loadings(study, seed, rotation):
    sorts, _ = study
    perm = np.random.default_rng(seed).permutation(sorts.shape[1])
    base = qmethod(sorts, 2, rotation=rotation)
    permuted = qmethod(sorts[:, perm], 2, rotation=rotation)
    eig = base.eigenvalues
    if eig[1] - eig[2] < 1e-6 or eig[0] - eig[1] < 1e-6:
        return                                  # degenerate subspace: components are not unique
    np.testing.assert_allclose(permuted.loadings, base.loadings[perm], atol=1e-6)
    assert permuted.flagged.tolist() == base.flagged[perm].tolist() or np.any(
        np.abs(np.abs(base.loadings) - 1.96 / np.sqrt(sorts.shape[0])) < 1e-6)
    np.testing.assert_allclose(permuted.zscores, base.zscores, atol=1e-5)


@SETTINGS
@given(forced_study(), st.floats(-360, 360, allow_nan=False), st.sampled_from(["pca", "centroid"]))
def test_rotating_a_pair_and_back_is_identity(study, degrees, extraction):
    sorts, _ = study
    plain = qmethod(sorts, 2, extraction)
    steps = [{"kind": "pair", "factors": [0, 1], "degrees": degrees},
             {"kind": "pair", "factors": [0, 1], "degrees": -degrees}]
    there_and_back = qmethod(sorts, 2, extraction, rotation_steps=steps)
    np.testing.assert_allclose(there_and_back.loadings, plain.loadings, atol=1e-12)
    assert there_and_back.flagged.tolist() == plain.flagged.tolist()
    rotated = qmethod(sorts, 2, extraction, rotation_steps=steps[:1])
    np.testing.assert_allclose((rotated.loadings ** 2).sum(axis=1), (plain.loadings ** 2).sum(axis=1), atol=1e-12)


@SETTINGS
@given(forced_study(min_sorts=5), st.sampled_from(["pca", "centroid"]),
       st.sampled_from(["pearson", "spearman", "kendall"]))
def test_duplicated_sort_is_fine(study, extraction, cor_method):
    sorts, _ = study
    doubled = np.column_stack([sorts, sorts[:, 0]])
    result = qmethod(doubled, 2, extraction, cor_method=cor_method)
    assert_sane(result)
    np.testing.assert_allclose(result.loadings[-1], result.loadings[0], atol=1e-8)


def test_constant_sort_is_a_clear_error():
    sorts = np.column_stack([np.arange(10) - 5, np.arange(10)[::-1] - 5, np.zeros(10)])
    with pytest.raises(ValueError, match=r"'c' \(column 3\) gives every statement the same score"):
        qmethod(sorts, 1, participant_ids=["a", "b", "c"], distribution=np.arange(10))


@pytest.mark.parametrize("extraction", ["pca", "centroid"])
def test_ten_and_more_factors(extraction):
    rng = np.random.default_rng(3)
    grid = np.repeat(np.arange(-4, 5), [2, 3, 4, 5, 6, 5, 4, 3, 2])
    sorts = np.column_stack([rng.permutation(grid) for _ in range(30)])
    for k in (10, 12):
        result = qmethod(sorts, k, extraction)
        assert result.loadings.shape == (30, k)
        assert_sane(result)
        d = strict_json(result)
        assert len(d["distinguishing"]) == k and len(d["qdc"]["pairs"]) == k * (k - 1) // 2


def test_too_many_factors_is_a_clear_error():
    grid = np.repeat(np.arange(-2, 3), [1, 2, 3, 2, 1])
    sorts = np.column_stack([np.random.default_rng(i).permutation(grid) for i in range(4)])
    with pytest.raises(ValueError, match="nfactors must be between 1 and 4"):
        qmethod(sorts, 5)


@pytest.mark.parametrize("extraction", ["pca", "centroid"])
@pytest.mark.parametrize("cor_method", ["pearson", "kendall"])
def test_more_sorts_than_statements(extraction, cor_method):
    rng = np.random.default_rng(9)
    grid = np.repeat(np.arange(-2, 3), [2, 3, 4, 3, 2])
    sorts = np.column_stack([rng.permutation(grid) for _ in range(60)])
    result = qmethod(sorts, 4, extraction, cor_method=cor_method)
    assert_sane(result)
    assert result.eigenvalues.size <= 60


def read_dataset(name: str):
    with (DATASETS / name / f"{name}.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return np.array([[int(v) for v in row[1:]] for row in rows[1:]]), rows[0][1:], [row[0] for row in rows[1:]]


@pytest.mark.parametrize("name", ["koc", "cegebe", "ipad", "qmethod_fut"])
@pytest.mark.parametrize("extraction", ["pca", "centroid"])
def test_real_studies_run_without_nan_or_warnings(name, extraction):
    sorts, participants, statements = read_dataset(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # numpy RuntimeWarnings would be errors
        result = qmethod(sorts, 3, extraction, participant_ids=participants, statement_ids=statements)
    assert np.isfinite(result.zscores).all() and np.isfinite(result.loadings).all()
    assert not any("no flagged" in w for w in result.warnings)
    d = strict_json(result)
    assert d["participants"] == participants
    assert all(set(ids) <= set(statements) for ids in d["distinguishing"])
    if sorts.shape[1] > sorts.shape[0]:                # singular R: eigenvalues beyond the rank are 0
        assert result.eigenvalues.size == sorts.shape[0] and result.eigenvalues[-1] == 0.0


def test_centroid_gives_a_duplicated_sort_the_same_loadings_when_reflection_ties():
    """Found by hypothesis: reflecting only one of two identical sorts sent the centroid down a different path
    for each, so their loadings differed (0.28 vs -0.06 on factor 2). Identical sorts are reflected together."""
    sorts = np.array([[1, 2, 2, 1, 2], [0, 2, -1, -1, 0], [0, -1, 0, 0, -2], [-2, -2, 1, -2, 0],
                      [2, -1, 0, 2, 1], [1, 1, 1, 1, -2], [-1, 0, 2, -2, -1], [2, 1, -1, -1, 2],
                      [-1, -2, -2, 2, 1], [-2, 0, -2, 0, -1]])
    doubled = np.column_stack([sorts, sorts[:, 0]])
    result = qmethod(doubled, 2, "centroid")
    np.testing.assert_allclose(result.loadings[-1], result.loadings[0], atol=1e-8)
