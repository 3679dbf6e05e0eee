"""Factor characteristics, as qmethod's ``qfcharact``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AVERAGE_RELIABILITY = 0.8   # Brown's (1980) assumed reliability of a single Q-sort


@dataclass
class Characteristics:
    """Per-factor numbers (arrays of length n_factors unless said otherwise).

    n_flagged: defining sorts. eigenvalues: sum of squared (rotated) loadings, as qmethod's ``eigenvals``.
    explained_variance: 100 x eigenvalues / n_participants (percent). reliability: 0.8 p / (1 + 0.8 (p - 1)).
    se_zscores: sd(z) x sqrt(1 - reliability). zscore_correlations: (k, k) correlations between factors'
    z-scores. sed: (k, k) standard errors of differences sqrt(SE_j² + SE_k²). NaN where a factor has no
    flagged sort.
    """

    n_flagged: np.ndarray
    eigenvalues: np.ndarray
    explained_variance: np.ndarray
    reliability: np.ndarray
    se_zscores: np.ndarray
    zscore_correlations: np.ndarray
    sed: np.ndarray


def factor_characteristics(loadings, flagged, z, average_reliability: float = AVERAGE_RELIABILITY
                           ) -> Characteristics:
    """Compute :class:`Characteristics` from loadings, flags and z-scores.

    Parameters
    ----------
    loadings, flagged : array-like, shape (n_participants, n_factors)
    z : array-like, shape (n_statements, n_factors)

    Examples
    --------
    >>> c = factor_characteristics([[0.8], [0.7], [0.1]], [[True], [True], [False]],
    ...                            [[1.0], [0.0], [-1.0]])
    >>> c.n_flagged.tolist(), round(float(c.reliability[0]), 4), round(float(c.se_zscores[0]), 4)
    ([2], 0.8889, 0.3333)
    """
    a = np.asarray(loadings, dtype=float)
    flags = np.asarray(flagged, dtype=bool)
    z = np.asarray(z, dtype=float)
    n_flagged = flags.sum(axis=0)
    eigenvalues = np.sum(a * a, axis=0)
    explained = 100.0 * eigenvalues / a.shape[0]
    p = n_flagged.astype(float)
    reliability = average_reliability * p / (1.0 + average_reliability * (p - 1.0))
    has_scores = ~np.isnan(z).any(axis=0)
    reliability = np.where(has_scores, reliability, np.nan)
    sd = np.full(z.shape[1], np.nan)
    sd[has_scores] = z[:, has_scores].std(axis=0, ddof=1)
    se = sd * np.sqrt(1.0 - reliability)
    k = z.shape[1]
    correlations = np.full((k, k), np.nan)
    good = np.flatnonzero(has_scores)
    if good.size:
        zc = z[:, good] - z[:, good].mean(axis=0)
        norm = np.sqrt(np.sum(zc * zc, axis=0))
        with np.errstate(invalid="ignore", divide="ignore"):   # a constant column has no correlation: NaN
            correlations[np.ix_(good, good)] = (zc.T @ zc) / np.outer(norm, norm)
    sed = np.sqrt(se[:, None] ** 2 + se[None, :] ** 2)
    return Characteristics(n_flagged, eigenvalues, explained, reliability, se, correlations, sed)
