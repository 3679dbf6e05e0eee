"""Correlation step: Pearson, Spearman, Kendall (tau-b) as R's cor(), through the standardised-sorts factor."""
import numpy as np
import pytest
from scipy import stats

from analysis.correlation import as_sorts, correlate, rank_columns, standardise


@pytest.fixture
def sorts():
    rng = np.random.default_rng(7)
    grid = np.repeat([-3, -2, -1, 0, 1, 2, 3], [1, 2, 3, 4, 3, 2, 1])
    return np.column_stack([rng.permutation(grid) for _ in range(8)])


def test_pearson_equals_numpy(sorts):
    np.testing.assert_allclose(correlate(sorts), np.corrcoef(sorts, rowvar=False), atol=1e-12)


def test_spearman_equals_scipy_with_ties(sorts):
    expected = stats.spearmanr(sorts).statistic
    np.testing.assert_allclose(correlate(sorts, "spearman"), expected, atol=1e-12)


def test_kendall_tau_b_equals_scipy_with_ties(sorts):
    r = correlate(sorts, "kendall")
    for i in range(sorts.shape[1]):
        for j in range(sorts.shape[1]):
            assert r[i, j] == pytest.approx(stats.kendalltau(sorts[:, i], sorts[:, j]).statistic, abs=1e-12)


def test_kendall_factor_has_one_row_per_statement_pair(sorts):
    z = standardise(sorts, "kendall")
    m = sorts.shape[0]
    assert z.shape == (m * (m - 1) // 2, sorts.shape[1])


def test_standardised_sorts_reproduce_r(sorts):
    for method in ("pearson", "spearman", "kendall"):
        z = standardise(sorts, method)
        np.testing.assert_allclose(z.T @ z / (z.shape[0] - 1), correlate(sorts, method), atol=1e-12)


def test_rank_columns_averages_ties():
    x = np.array([[2.0, 1.0], [2.0, 3.0], [1.0, 3.0], [5.0, 3.0]])
    np.testing.assert_array_equal(rank_columns(x), stats.rankdata(x, axis=0))


def test_constant_sort_names_the_participant(sorts):
    sorts[:, 3] = 0
    with pytest.raises(ValueError, match=r"'D'.*column 4.*same score"):
        as_sorts(sorts, participant_ids=list("ABCDEFGH"))


@pytest.mark.parametrize("bad, message", [
    (np.zeros((2, 3)), "at least 3 statements"),
    (np.zeros((5, 1)), "at least 2 Q-sorts"),
    (np.zeros(5), "2-D"),
    (np.array([[1.0, 2.0], [np.nan, 1.0], [0.0, 0.0]]), "statement 2 is not a number"),
])
def test_bad_matrices_are_clear_errors(bad, message):
    with pytest.raises(ValueError, match=message):
        as_sorts(bad)


def test_unknown_method():
    with pytest.raises(ValueError, match="cor_method"):
        standardise(np.eye(3), "tetrachoric")
