"""Number of factors: Kaiser, Humphrey, parallel analysis against the study's own grid."""

import numpy as np
import pytest

from analysis.formats import read_sorts
from analysis.grid import Grid, quasi_normal_grid
from analysis.nfactors import (eigenvalues, explained_variance, humphrey, kaiser, parallel_analysis,
                               random_sorts, suggest_nfactors)

from tests.paths import LIPSET as _LIPSET_DIR

LIPSET = str(_LIPSET_DIR / "lipset.csv")
REFERENCE_EIGENVALUES = [2.3838, 2.0153, 1.3408, 1.1274]


def planted(n_viewpoints, per_viewpoint, grid, noise, seed):
    """Sorts that are noisy copies of ``n_viewpoints`` random prototype sorts, forced onto the grid."""
    rng = np.random.default_rng(seed)
    m = grid.n_statements
    prototypes = rng.standard_normal((m, n_viewpoints))
    columns = []
    for v in range(n_viewpoints):
        for _ in range(per_viewpoint):
            latent = prototypes[:, v] + noise * rng.standard_normal(m)
            sort = np.empty(m, dtype=int)
            sort[np.argsort(latent, kind="stable")] = grid.distribution()
            columns.append(sort)
    return np.column_stack(columns)


def test_eigenvalues_match_reference_and_sum_to_n():
    data = read_sorts(LIPSET)
    eigs = eigenvalues(data.sorts)
    np.testing.assert_allclose(eigs[:4], REFERENCE_EIGENVALUES, atol=1e-4)
    assert eigs.sum() == pytest.approx(9.0)
    assert np.all(np.diff(eigs) <= 1e-12)
    assert explained_variance(eigs, 9)[0] == pytest.approx(100 * eigs[0] / 9)
    assert kaiser(eigs) == 4


def test_random_sorts_are_permutations_of_the_grid():
    grid = quasi_normal_grid(40)
    x = random_sorts(40, 200, grid.distribution(), np.random.default_rng(3))
    assert x.shape == (40, 200)
    assert all(grid.fits(x[:, j]) for j in range(200))
    assert len({tuple(c) for c in x.T}) == 200


def test_with_500_random_sorts_kaiser_keeps_dozens_parallel_almost_none():
    grid = quasi_normal_grid(40)
    x = random_sorts(40, 500, grid.distribution(), np.random.default_rng(0))
    advice = suggest_nfactors(x, grid, n_iter=50, seed=1)
    assert advice["kaiser"] >= 30
    assert advice["parallel"]["n_factors"] <= 1
    assert advice["humphrey"]["n_factors"] <= 1
    assert len(advice["eigenvalues"]) == 40


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_parallel_analysis_finds_three_planted_viewpoints(seed):
    grid = quasi_normal_grid(36)
    x = planted(3, 15, grid, noise=1.0, seed=seed)
    result = parallel_analysis(x, grid, n_iter=100, seed=seed)
    assert result["n_factors"] == 3
    assert result["grid"] == str(grid)
    assert len(result["thresholds"]) == len(result["eigenvalues"])


def test_parallel_analysis_is_seeded_and_infers_the_grid():
    x = read_sorts(LIPSET).sorts
    a = parallel_analysis(x, n_iter=30, seed=7)
    b = parallel_analysis(x, n_iter=30, seed=7)
    c = parallel_analysis(x, n_iter=30, seed=8)
    assert a == b and a["thresholds"] != c["thresholds"]
    assert a["grid"] == "-4..+4: 2,3,4,5,5,5,4,3,2"


def test_free_distribution_permutes_each_own_sort():
    x = read_sorts(LIPSET).sorts.copy()
    x[0, 0] = 4                                   # no longer a shared grid
    result = parallel_analysis(x, n_iter=20, seed=0)
    assert result["grid"] == "own sorts"


def test_humphrey_rule():
    x = read_sorts(LIPSET).sorts
    result = humphrey(x)
    assert result["threshold"] == pytest.approx(2 / np.sqrt(33))
    assert result["products"][0] > result["threshold"]
    assert result["n_factors"] == int(np.argmin(np.array(result["products"]) > result["threshold"]))


def test_other_correlations_and_bad_input():
    x = read_sorts(LIPSET).sorts
    for method in ("spearman", "kendall"):
        out = suggest_nfactors(x, n_iter=10, cor_method=method)
        assert out["suggested"] >= 1 and out["eigenvalues"][0] > 1
    with pytest.raises(ValueError):
        parallel_analysis(x, Grid.from_range(-1, [1, 1, 1]))
    with pytest.raises(ValueError):
        parallel_analysis(x, n_iter=0)
