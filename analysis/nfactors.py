"""How many factors to extract: eigenvalues, Kaiser, Humphrey's rule and parallel analysis.

With a handful of Q-sorts the classic rules agree well enough; with hundreds they do not. The
correlation matrix of N sorts over m statements has (at most) m - 1 non-zero eigenvalues summing to N,
so with N = 500 and m = 40 every one of them is about 13: Kaiser's "eigenvalue > 1" keeps all 39.
Parallel analysis asks instead whether an eigenvalue is larger than chance would give: it draws random
Q-sorts from the study's own grid (random permutations of its distribution), computes their
eigenvalues the same way, and keeps the leading factors whose eigenvalue beats the 95th percentile of
the random ones.

Everything works from thin SVDs of the standardised sorts (:func:`analysis.correlation.standardise`):
no N x N matrix, O(m² N) per eigen-decomposition.

Example
-------
>>> import numpy as np
>>> from analysis.grid import quasi_normal_grid
>>> grid = quasi_normal_grid(33)
>>> rng = np.random.default_rng(0)
>>> sorts = np.column_stack([rng.permutation(grid.distribution()) for _ in range(60)])
>>> advice = suggest_nfactors(sorts, grid, n_iter=50, seed=1)
>>> advice["kaiser"] > 10, advice["parallel"]["n_factors"] <= 1
(True, True)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .correlation import as_sorts, standardise
from .extraction import _eigenvalues_from_singular, max_factors, pca
from .grid import Grid, infer_grid

__all__ = ["eigenvalues", "explained_variance", "kaiser", "humphrey", "parallel_analysis",
           "random_sorts", "suggest_nfactors"]


def _singular_eigenvalues(z: np.ndarray) -> np.ndarray:
    """Eigenvalues of R = Z'Z/(rows-1) from the singular values only (thin, no vectors)."""
    scaled = z / np.sqrt(z.shape[0] - 1)
    s = np.linalg.svd(scaled.T if scaled.shape[1] > scaled.shape[0] else scaled, compute_uv=False)
    return _eigenvalues_from_singular(s)


def eigenvalues(sorts, cor_method: str = "pearson") -> np.ndarray:
    """All eigenvalues of the correlation matrix between Q-sorts, descending.

    Parameters
    ----------
    sorts : array-like, shape (n_statements, n_participants)
    cor_method : {"pearson", "spearman", "kendall"}

    Returns
    -------
    ndarray, shape (min(n_rows, n_participants),)
        The eigenvalues beyond these are exactly 0 (rank deficiency when participants outnumber
        statements). They sum to n_participants when all are returned.

    >>> eigenvalues([[1, 2, 1], [2, 1, 3], [3, 3, 2], [4, 5, 5]]).sum().round(6)
    np.float64(3.0)
    """
    return _singular_eigenvalues(standardise(sorts, cor_method))


def explained_variance(eigs, n_participants: int) -> np.ndarray:
    """Percent of the Q-sorts' total variance each eigenvalue accounts for (100 x eig / N)."""
    return 100.0 * np.asarray(eigs, dtype=float) / float(n_participants)


def kaiser(eigs) -> int:
    """Kaiser-Guttman: the number of eigenvalues greater than 1."""
    return int(np.sum(np.asarray(eigs, dtype=float) > 1.0))


def _leading(passes: np.ndarray) -> int:
    """How many leading entries are True (a rule keeps factors until the first one that fails)."""
    failed = np.flatnonzero(~passes)
    return int(failed[0]) if failed.size else int(passes.size)


def humphrey(sorts, max_factors_checked: int = 12, cor_method: str = "pearson") -> dict[str, Any]:
    """Humphrey's rule on the unrotated principal components.

    A factor is significant when the product of its two highest absolute loadings exceeds twice the
    standard error of a zero correlation, 2 / sqrt(n_statements). Factors are kept up to the first one
    that fails.

    Returns
    -------
    dict
        ``n_factors``, ``threshold`` and ``products`` (one per factor checked).
    """
    x = as_sorts(sorts)
    z = standardise(x, cor_method)
    k = min(max_factors_checked, max_factors(z))
    loadings, _ = pca(z, k)
    top_two = np.sort(np.abs(loadings), axis=0)[-2:] if loadings.shape[0] >= 2 else np.abs(loadings)
    products = np.prod(top_two, axis=0)
    limit = 2.0 / np.sqrt(x.shape[0])
    return {"n_factors": _leading(products > limit), "threshold": float(limit),
            "products": [float(p) for p in products]}


def _distribution_for(x: np.ndarray, grid) -> np.ndarray | None:
    """The grid values random sorts are drawn from; None means 'permute each sort's own values'."""
    if grid is None:
        grid = infer_grid(x)
        if grid is None:
            return None
    values = grid.distribution() if isinstance(grid, Grid) else np.sort(np.asarray(grid, dtype=float).ravel())
    if values.size != x.shape[0]:
        raise ValueError(f"the grid holds {values.size} statements, the sorts have {x.shape[0]}")
    return values.astype(float)


def random_sorts(n_statements: int, n_participants: int, distribution, rng: np.random.Generator) -> np.ndarray:
    """Random forced Q-sorts: each column an independent random permutation of ``distribution``.

    Returns an array of shape (n_statements, n_participants).
    """
    values = np.asarray(distribution, dtype=float).ravel()
    if values.size != n_statements:
        raise ValueError(f"distribution has {values.size} values for {n_statements} statements")
    return rng.permuted(np.broadcast_to(values, (n_participants, n_statements)), axis=1).T


def parallel_analysis(sorts, grid: Grid | np.ndarray | None = None, n_iter: int = 100,
                      percentile: float = 95.0, seed: int | None = 0,
                      cor_method: str = "pearson") -> dict[str, Any]:
    """Parallel analysis against random Q-sorts drawn from the study's own grid.

    Parameters
    ----------
    sorts : array-like, shape (n_statements, n_participants)
    grid : Grid or 1-D array of the n_statements grid values, optional
        Default: the grid all sorts share (:func:`analysis.grid.infer_grid`); for a free distribution
        each random sort is a permutation of one of the study's own sorts instead.
    n_iter : int
        Number of random studies (same N and m as the real one).
    percentile : float
        The random eigenvalue an observed one must beat (95 = the 95th percentile).
    seed : int or None
        Seed of numpy's default generator: the same seed gives the same thresholds.
    cor_method : {"pearson", "spearman", "kendall"}

    Returns
    -------
    dict
        ``n_factors`` (leading observed eigenvalues above the thresholds), ``eigenvalues`` (observed),
        ``thresholds`` (the percentile of the random eigenvalues, per position), ``random_mean``,
        ``percentile``, ``n_iter``, ``seed``, ``grid`` (``"-4..+4: 2,3,..."``, or ``"own sorts"``).
    """
    if n_iter < 1:
        raise ValueError("n_iter must be at least 1")
    if not 0 < percentile < 100:
        raise ValueError("percentile must be between 0 and 100")
    x = as_sorts(sorts)
    m, n = x.shape
    observed = _singular_eigenvalues(standardise(x, cor_method))
    values = _distribution_for(x, grid)
    rng = np.random.default_rng(seed)
    random_eigs = np.empty((n_iter, observed.size))
    for it in range(n_iter):
        if values is not None:
            fake = random_sorts(m, n, values, rng)
        else:
            fake = rng.permuted(x.T, axis=1).T
        random_eigs[it] = _singular_eigenvalues(standardise(fake, cor_method))
    thresholds = np.percentile(random_eigs, percentile, axis=0)
    # Positions where both are zero (rank deficiency) are never "above chance".
    passes = (observed > thresholds) & (observed > 0)
    if values is None:
        grid_text = "own sorts"
    elif isinstance(grid, Grid):
        grid_text = str(grid)
    else:
        grid_text = str(Grid.from_sort(values))
    return {"n_factors": _leading(passes), "eigenvalues": [float(e) for e in observed],
            "thresholds": [float(t) for t in thresholds],
            "random_mean": [float(v) for v in random_eigs.mean(axis=0)],
            "percentile": float(percentile), "n_iter": int(n_iter), "seed": seed, "grid": grid_text}


def suggest_nfactors(sorts, grid: Grid | np.ndarray | None = None, n_iter: int = 100,
                     percentile: float = 95.0, seed: int | None = 0,
                     cor_method: str = "pearson") -> dict[str, Any]:
    """Every rule at once, JSON-safe.

    Returns
    -------
    dict
        ``eigenvalues`` (all, descending), ``explained_variance`` (percent per eigenvalue),
        ``kaiser`` (int), ``humphrey`` (see :func:`humphrey`), ``parallel`` (see
        :func:`parallel_analysis`) and ``suggested``: the parallel-analysis count, at least 1 (a
        count of 0 in ``parallel`` means no factor beats random sorts: interpret with care).
    """
    x = as_sorts(sorts)
    parallel = parallel_analysis(x, grid, n_iter=n_iter, percentile=percentile, seed=seed,
                                 cor_method=cor_method)
    eigs = np.asarray(parallel["eigenvalues"])
    return {
        "eigenvalues": [float(e) for e in eigs],
        "explained_variance": [float(v) for v in explained_variance(eigs, x.shape[1])],
        "kaiser": kaiser(eigs),
        "humphrey": humphrey(x, cor_method=cor_method),
        "parallel": parallel,
        "suggested": max(1, parallel["n_factors"]),
    }
