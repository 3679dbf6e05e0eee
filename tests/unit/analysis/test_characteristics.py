"""Characteristics step: qmethod's qfcharact formulas."""
import numpy as np
import pytest

from analysis.characteristics import factor_characteristics


def test_formulas():
    loadings = np.array([[0.8, 0.1], [0.7, -0.2], [0.6, 0.3], [0.1, 0.9]])
    flagged = np.array([[1, 0], [1, 0], [1, 0], [0, 1]], dtype=bool)
    rng = np.random.default_rng(0)
    z = rng.normal(size=(12, 2))
    z = (z - z.mean(axis=0)) / z.std(axis=0, ddof=1)
    c = factor_characteristics(loadings, flagged, z)
    assert c.n_flagged.tolist() == [3, 1]
    np.testing.assert_allclose(c.eigenvalues, (loadings ** 2).sum(axis=0))
    np.testing.assert_allclose(c.explained_variance, 100 * (loadings ** 2).sum(axis=0) / 4)
    np.testing.assert_allclose(c.reliability, [0.8 * 3 / (1 + 0.8 * 2), 0.8])
    np.testing.assert_allclose(c.se_zscores, np.sqrt(1 - c.reliability))
    np.testing.assert_allclose(c.sed[0, 1], np.hypot(*c.se_zscores))
    np.testing.assert_allclose(np.diag(c.sed), np.sqrt(2) * c.se_zscores)
    np.testing.assert_allclose(c.zscore_correlations, np.corrcoef(z, rowvar=False))


def test_factor_without_flags_is_nan_not_an_error():
    z = np.column_stack([np.linspace(-1, 1, 5), np.full(5, np.nan)])
    c = factor_characteristics(np.full((3, 2), 0.5), np.array([[1, 0], [1, 0], [0, 0]], bool), z)
    assert c.n_flagged.tolist() == [2, 0]
    assert np.isnan(c.reliability[1]) and np.isnan(c.se_zscores[1]) and np.isnan(c.sed[0, 1])
    assert c.reliability[0] == pytest.approx(1.6 / 1.8)
