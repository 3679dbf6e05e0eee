"""Scores step: weights, z-scores, factor arrays with the tie rule, free distributions."""
import numpy as np
import pytest

from analysis.scores import factor_arrays, factor_weights, sorted_distribution, zscores


def test_weights_only_for_flagged_and_finite_at_one():
    w = factor_weights([[0.5, 0.3], [1.0, 0.0]], [[True, False], [True, False]])
    assert w[0].tolist() == pytest.approx([0.5 / 0.75, 0.0])
    assert np.isfinite(w).all()


def test_zscores_standardised_with_sample_sd():
    rng = np.random.default_rng(2)
    x = rng.integers(-3, 4, size=(20, 5)).astype(float)
    a = rng.uniform(-0.9, 0.9, size=(5, 2))
    flags = np.array([[1, 0], [1, 0], [0, 1], [0, 0], [0, 1]], dtype=bool)
    z = zscores(x, a, flags)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0, ddof=1), 1, atol=1e-12)
    w = a[:, 0] / (1 - a[:, 0] ** 2) * flags[:, 0]
    s = x @ w
    np.testing.assert_allclose(z[:, 0], (s - s.mean()) / s.std(ddof=1), atol=1e-12)


def test_factor_without_flags_has_nan_column():
    x = np.arange(12.0).reshape(4, 3) % 5
    z = zscores(x, np.full((3, 2), 0.5), np.array([[1, 0], [1, 0], [0, 0]], dtype=bool))
    assert np.isnan(z[:, 1]).all() and np.isfinite(z[:, 0]).all()
    arrays = factor_arrays(z, [-1, 0, 0, 1])
    assert np.isnan(arrays[:, 1]).all() and sorted(arrays[:, 0]) == [-1, 0, 0, 1]


def test_ties_broken_by_statement_order_and_grid_kept():
    z = np.array([[0.0], [0.0], [0.0], [-1.0], [1.0]])
    # positions 1..3 of the grid [-2, -1, -1, 1, 2] go to statements 0, 1, 2 in that order
    assert factor_arrays(z, [2, -1, 1, -2, -1]).ravel().tolist() == [-1, -1, 1, -2, 2]


def test_near_ties_from_rounding_count_as_ties():
    z = np.array([[0.1 + 0.2], [0.3], [-1.0]])
    assert factor_arrays(z, [0, 1, -1]).ravel().tolist() == [0, 1, -1]


def test_free_distribution_values_are_used_as_given():
    z = np.array([[2.0], [0.5], [-1.0], [0.0]])
    assert factor_arrays(z, [0.5, 0, 3, -2]).ravel().tolist() == [3.0, 0.5, -2.0, 0.0]


def test_distribution_from_grid_like_object_and_errors():
    class GridLike:
        def distribution(self):
            return np.array([-1, 0, 1])

    assert sorted_distribution(GridLike(), 3).tolist() == [-1, 0, 1]
    with pytest.raises(ValueError, match="3 values but there are 4 statements"):
        sorted_distribution([-1, 0, 1], 4)
