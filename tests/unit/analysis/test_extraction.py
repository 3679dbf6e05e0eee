"""Extraction step: PCA from the thin SVD equals the eigen-decomposition of R; Brown's centroid and its guards."""
import numpy as np
import pytest

from analysis.correlation import correlate, standardise
from analysis.extraction import centroid, correlation_eigenvalues, max_factors, orient_positive, pca


def random_sorts(n_statements, n_participants, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_statements, n_participants))


@pytest.mark.parametrize("shape", [(33, 9), (20, 60)])
def test_pca_equals_eigendecomposition_of_r(shape):
    x = random_sorts(*shape)
    r = correlate(x)
    values, vectors = np.linalg.eigh(r)
    values, vectors = values[::-1], vectors[:, ::-1]
    expected = orient_positive(vectors[:, :4] * np.sqrt(values[:4]))
    loadings, eigenvalues = pca(standardise(x), 4)
    np.testing.assert_allclose(loadings, expected, atol=1e-10)
    k = eigenvalues.size
    assert k == min(shape)
    np.testing.assert_allclose(eigenvalues, np.clip(values[:k], 0, None), atol=1e-10)
    assert np.all(loadings.sum(axis=0) >= 0)


def test_more_sorts_than_statements_eigenvalues_sum_to_n():
    x = random_sorts(10, 50)
    eig = correlation_eigenvalues(standardise(x))
    assert eig.sum() == pytest.approx(50)
    assert eig[-1] == 0.0                     # rank is at most n_statements - 1
    assert np.all(np.diff(eig) <= 1e-12)


def test_pca_refuses_more_factors_than_the_data_supports():
    z = standardise(random_sorts(6, 40))
    assert max_factors(z) == 5
    with pytest.raises(ValueError, match="supports 1 to 5"):
        pca(z, 6)


def test_centroid_mean_start_converges_to_fixed_point():
    r = correlate(random_sorts(30, 12, seed=3))
    loadings = centroid(r, 1, tolerance=1e-12)
    f = loadings[:, 0]
    # Fixed point (with the reflection this variable set needs): f = (colsum + f^2)/sqrt(sum(...)).
    signs = np.sign(f)
    rr = r * np.outer(signs, signs)
    np.fill_diagonal(rr, 0.0)
    t = rr.sum(axis=0) + f * f
    np.testing.assert_allclose(np.abs(f), t / np.sqrt(t.sum()), atol=1e-9)


def test_centroid_kade_variant_agrees_closely_with_qmethods():
    r = correlate(random_sorts(36, 13, seed=5))
    a = centroid(r, 3)
    b = centroid(r, 3, start=0.5, tolerance=0.001)
    assert np.abs(np.abs(a[:, 0]) - np.abs(b[:, 0])).max() < 5e-3


def test_centroid_zero_column_sum_does_not_loop_forever():
    # Variable 2 is uncorrelated with the others: its column sum is exactly 0.
    r = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]])
    loadings = centroid(r, 2)
    assert np.all(np.isfinite(loadings))


def test_centroid_exact_tie_reflects_one_variable_at_a_time():
    # Variables 2 and 3 have identical (negative) column sums.
    r = np.array([[1.0, 0.6, -0.4, -0.4],
                  [0.6, 1.0, -0.4, -0.4],
                  [-0.4, -0.4, 1.0, 0.3],
                  [-0.4, -0.4, 0.3, 1.0]])
    loadings = centroid(r, 1)
    assert np.all(np.isfinite(loadings))
    # reflected into a positive manifold, the factor puts 2 and 3 opposite to 0 and 1
    assert np.sign(loadings[0, 0]) == np.sign(loadings[1, 0]) == -np.sign(loadings[2, 0]) == -np.sign(loadings[3, 0])


def test_centroid_zero_matrix_gives_zero_factor():
    assert np.all(centroid(np.eye(4), 2) == 0.0)


def test_centroid_validates_input():
    with pytest.raises(ValueError, match="symmetric"):
        centroid(np.array([[1.0, 0.2], [0.3, 1.0]]), 1)
    with pytest.raises(ValueError, match="start"):
        centroid(np.eye(3), 1, start="median")
