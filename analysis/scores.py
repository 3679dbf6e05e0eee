"""Factor scores: weights of the flagged sorts, statement z-scores and factor arrays on the grid.

As qmethod's ``qzscores``: weight w = a/(1 - a²) from the signed loading of each flagged sort (0 for the
others), factor sum = sum_i w_i x_i over the raw scores, z = (sum - mean)/sd with the sample sd (n - 1).
"""
from __future__ import annotations

import numpy as np

# A flagged loading of exactly +-1 (a factor that is one sort) would give an infinite weight; the
# denominator is kept at least this large, which leaves the z-scores those of the dominating sort.
_MIN_DENOMINATOR = 1e-12
# z-scores that agree to this many decimals count as tied (so rounding noise cannot order them).
_TIE_DECIMALS = 10


def factor_weights(loadings, flagged) -> np.ndarray:
    """Weights w = a/(1 - a²) for flagged sorts, 0 for the others, shape (n_participants, n_factors).

    Examples
    --------
    >>> factor_weights(np.array([[0.5, 0.1]]), np.array([[True, False]])).round(4).tolist()
    [[0.6667, 0.0]]
    """
    a = np.asarray(loadings, dtype=float)
    denominator = np.maximum(1.0 - a * a, _MIN_DENOMINATOR)
    return np.where(np.asarray(flagged, dtype=bool), a / denominator, 0.0)


def zscores(sorts, loadings, flagged) -> np.ndarray:
    """Statement z-scores per factor, shape (n_statements, n_factors).

    A factor without flagged sorts (or whose weighted sum is constant) has no scores: its column is NaN
    (the pipeline turns that into a warning and None in JSON).

    Parameters
    ----------
    sorts : array-like, shape (n_statements, n_participants)
    loadings, flagged : array-like, shape (n_participants, n_factors)

    Examples
    --------
    >>> x = np.array([[2, 1], [0, 0], [-2, -1]])
    >>> zscores(x, [[0.9], [0.8]], [[True], [True]]).round(3).ravel().tolist()
    [1.0, 0.0, -1.0]
    """
    x = np.asarray(sorts, dtype=float)
    sums = x @ factor_weights(loadings, flagged)
    sd = sums.std(axis=0, ddof=1)
    defined = sd > 1e-12 * np.maximum(1.0, np.abs(sums).max(axis=0))
    z = np.full(sums.shape, np.nan)
    z[:, defined] = (sums[:, defined] - sums[:, defined].mean(axis=0)) / sd[defined]
    return z


def sorted_distribution(distribution, n_statements: int) -> np.ndarray:
    """The grid values as a sorted 1-D array of length n_statements (accepts an array or a Grid)."""
    if hasattr(distribution, "distribution") and callable(distribution.distribution):
        distribution = distribution.distribution()
    values = np.sort(np.asarray(distribution, dtype=float).ravel())
    if values.size != n_statements:
        raise ValueError(f"the distribution has {values.size} values but there are {n_statements} statements")
    if not np.all(np.isfinite(values)):
        raise ValueError("the distribution must hold numbers only")
    return values


def factor_arrays(z, distribution) -> np.ndarray:
    """Fit each factor's z-scores to the grid: the i-th lowest z gets the i-th lowest grid value.

    Tie rule (deterministic, never breaks the distribution): z-scores equal to 10 decimals are ordered by
    statement position, the earlier statement getting the lower grid value. qmethod instead gives all tied
    statements the lowest value of their positions, which can put more cards in a column than the grid
    holds; the two agree whenever no z-scores tie.

    Parameters
    ----------
    z : array-like, shape (n_statements, n_factors)
    distribution : array-like of n_statements grid values (any order), or an object with ``.distribution()``
        For a forced grid, the grid's values (e.g. a sorted Q-sort); for a free distribution, the values
        the factor arrays should use.

    Returns
    -------
    ndarray, shape (n_statements, n_factors)
        int64 when every factor has z-scores; otherwise float64 with NaN in the columns without scores.

    Examples
    --------
    >>> factor_arrays(np.array([[0.3], [-1.2], [0.3], [1.5]]), [-1, 0, 0, 1]).ravel().tolist()
    [0, -1, 0, 1]
    """
    z = np.asarray(z, dtype=float)
    values = sorted_distribution(distribution, z.shape[0])
    out = np.full(z.shape, np.nan)
    positions = np.arange(z.shape[0])
    for j in range(z.shape[1]):
        column = z[:, j]
        if np.isnan(column).any():
            continue
        order = np.lexsort((positions, np.round(column, _TIE_DECIMALS)))
        out[order, j] = values
    if np.isnan(out).any():
        return out
    integral = np.all(values == np.round(values))
    return out.astype(np.int64) if integral else out
