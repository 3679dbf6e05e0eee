"""Factor extraction: principal components (as ``psych::principal``) and Brown's centroid (as qmethod).

Both give unrotated loadings, shape (n_participants, n_factors): the correlation of each Q-sort with each
factor.
"""
from __future__ import annotations

import numpy as np


def _thin_svd(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Singular values and right singular vectors of Z / sqrt(rows - 1), whose Gram matrix is R.

    With many more participants than rows, LAPACK is several times faster on the tall transpose
    (Z' = V S U'), so the same thin SVD is taken that way round.
    """
    scaled = z / np.sqrt(z.shape[0] - 1)
    if scaled.shape[1] > scaled.shape[0]:
        v, s, _ = np.linalg.svd(scaled.T, full_matrices=False)
        return s, v.T
    _, s, vt = np.linalg.svd(scaled, full_matrices=False)
    return s, vt


def _eigenvalues_from_singular(s: np.ndarray) -> np.ndarray:
    eig = s * s
    # Values that are zero in exact arithmetic (rank deficiency: more sorts than statements, duplicated
    # sorts) come out around 1e-16 from the SVD; report them as 0 rather than as noise.
    eig[eig < 1e-12 * max(1.0, float(eig[0]) if eig.size else 1.0)] = 0.0
    return eig


def correlation_eigenvalues(z: np.ndarray) -> np.ndarray:
    """Eigenvalues of the correlation matrix ``R = Z.T @ Z / (rows - 1)``, descending.

    Parameters
    ----------
    z : ndarray, shape (n_rows, n_participants)
        Standardised sorts from :func:`analysis.correlation.standardise`.

    Returns
    -------
    ndarray, shape (min(n_rows, n_participants),)
        All eigenvalues when participants are at most as many as rows (statements), else the leading
        n_rows ones; the rest are exactly zero because R's rank is at most n_rows. Numerical zeros are 0.0.

    Examples
    --------
    >>> from analysis.correlation import standardise
    >>> z = standardise([[1, 2, 1], [2, 1, 3], [3, 3, 2], [4, 5, 5]])
    >>> bool(np.isclose(correlation_eigenvalues(z).sum(), 3.0))
    True
    """
    s = np.linalg.svd(z / np.sqrt(z.shape[0] - 1), compute_uv=False)
    return _eigenvalues_from_singular(s)


def max_factors(z: np.ndarray) -> int:
    """How many factors the data can support: min(n_rows - 1, n_participants) for standardised sorts."""
    return int(min(z.shape[0] - 1, z.shape[1]))


def orient_positive(loadings: np.ndarray) -> np.ndarray:
    """Flip each factor so that its loadings sum to a non-negative number (psych's sign rule).

    A column summing to exactly 0 is left as it is.

    Examples
    --------
    >>> orient_positive(np.array([[-0.8, 0.1], [-0.2, 0.3]])).tolist()
    [[0.8, 0.1], [0.2, 0.3]]
    """
    signs = np.sign(loadings.sum(axis=0))
    signs[signs == 0] = 1.0
    return loadings * signs


def pca(z: np.ndarray, nfactors: int) -> tuple[np.ndarray, np.ndarray]:
    """Principal components of the correlation matrix, from a thin SVD of the standardised sorts.

    ``Z / sqrt(rows - 1) = U S V'`` gives R = V S² V', so the eigenvalues of R are S² and the loadings
    (eigenvectors x sqrt(eigenvalues), as ``psych::principal``) are V S. No N x N matrix is formed.
    Each column is then flipped so that its loadings sum to >= 0 (psych's rule).

    Parameters
    ----------
    z : ndarray, shape (n_rows, n_participants)
        Standardised sorts from :func:`analysis.correlation.standardise`.
    nfactors : int
        Number of components to keep, 1 <= nfactors <= :func:`max_factors`.

    Returns
    -------
    loadings : ndarray, shape (n_participants, nfactors)
    eigenvalues : ndarray
        As :func:`correlation_eigenvalues`.

    Examples
    --------
    >>> from analysis.correlation import standardise
    >>> x = np.array([[2, 1, -2, 2], [0, 2, 0, 1], [-2, -3, 2, -2], [1, 0, -1, 0], [-1, 0, 1, -1]])
    >>> loadings, eigenvalues = pca(standardise(x), 2)
    >>> loadings.shape, bool(np.isclose((loadings[:, 0] ** 2).sum(), eigenvalues[0]))
    ((4, 2), True)
    """
    limit = max_factors(z)
    if not 1 <= nfactors <= limit:
        raise ValueError(f"cannot extract {nfactors} principal components: this data supports 1 to {limit}")
    s, vt = _thin_svd(z)
    loadings = vt[:nfactors].T * s[:nfactors]
    return orient_positive(loadings), _eigenvalues_from_singular(s)


def _reflect_to_positive_manifold(r: np.ndarray, twins: dict[int, np.ndarray] | None = None
                                   ) -> tuple[np.ndarray, np.ndarray]:
    """Reflect variables in place until no column sum of ``r`` (zero diagonal) is negative.

    qmethod's loop: while some column sum is <= 0, negate the row and column of the variable with the
    smallest column sum. Two guards it lacks: with exact ties we reflect only the first such variable
    (R's ``which(min == ...)`` returns both and assigns a 2-row block into columns, mixing values up);
    and a column sum of exactly 0 ends the loop (reflecting it changes nothing, so R loops forever).
    Each reflection raises the total of ``r`` by 4|column sum|, so the loop ends; a cap protects
    against rounding ping-pong. Returns the sign vector (-1 for reflected variables) and the column sums.

    ``twins`` maps a variable to the identical Q-sorts it stands for (see ``_identical_sorts``): they are
    reflected together, so that identical sorts always get identical loadings (reflecting one of a pair
    alone makes the centroid path, and so their loadings, differ).
    """
    n = r.shape[0]
    signs = np.ones(n)
    colsum = r.sum(axis=0)
    # The reflected matrix is D r D (D = diag(signs)); only the sign vector changes inside the loop and
    # column sums are updated from row i (contiguous), which is far faster than negating a column of r.
    for _ in range(10 * n + 100):
        i = int(np.argmin(colsum))
        if colsum[i] >= -1e-12 * max(1.0, float(np.abs(colsum).max())):
            colsum = signs * (r @ signs)    # exact sums, free of incremental rounding
            i = int(np.argmin(colsum))
            if colsum[i] >= -1e-12 * max(1.0, float(np.abs(colsum).max())):
                break
        for member in (twins or {}).get(i, (i,)):
            old = colsum[member]
            colsum -= (2.0 * signs[member]) * signs * r[member]   # column j loses 2 r'_ij (r_ii = 0)
            colsum[member] = -old
            signs[member] = -signs[member]
    r *= signs[:, None]
    r *= signs[None, :]
    return signs, colsum


def centroid(r, nfactors: int, start="mean", tolerance: float = 1e-5, max_iter: int = 10_000,
             overwrite: bool = False, validate: bool = True) -> np.ndarray:
    """Brown's centroid extraction, as qmethod's ``centroid()`` (F. Hermans 2021, after Brown 1980).

    For each factor: set the diagonal to 0; reflect variables until every column sum is positive; start
    from communalities h (``start="mean"``: each column's mean off-diagonal value, qmethod; a number such
    as 0.5: PQMethod/KADE); iterate f = (colsum + h)/sqrt(sum(colsum + h)), h = f² until every |change of
    h| < ``tolerance`` (qmethod 1e-5, PQMethod/KADE 0.001); un-reflect f; residual = R - f f'.
    No sign normalisation and no reordering here (qmethod does neither for centroid).

    Parameters
    ----------
    r : array-like, shape (n_participants, n_participants)
        Correlation matrix. The only other N x N matrix built is a working copy of it, and not even that
        with ``overwrite=True`` (``r`` is then used as the work space and destroyed: for large N).
    nfactors : int
    start : "mean" or float
    tolerance : float
    overwrite : bool
    validate : bool
        Check that ``r`` is symmetric (skip it when ``r`` is known to be, e.g. Z'Z: it costs an N x N pass).

    Returns
    -------
    loadings : ndarray, shape (n_participants, nfactors)

    Examples
    --------
    >>> r = np.array([[1, .6, .5], [.6, 1, .4], [.5, .4, 1]])
    >>> centroid(r, 1).round(3).ravel().tolist()
    [0.866, 0.693, 0.577]
    """
    work = r if overwrite and isinstance(r, np.ndarray) and r.dtype == float else np.array(r, dtype=float)
    n = work.shape[0]
    if work.shape != (n, n) or (validate and not _is_symmetric(work)):
        raise ValueError("centroid needs a square, symmetric correlation matrix")
    if not 1 <= nfactors <= n:
        raise ValueError(f"cannot extract {nfactors} centroid factors from {n} Q-sorts")
    if not (start == "mean" or (isinstance(start, (int, float)) and 0 <= start <= 1)):
        raise ValueError(f"centroid start must be 'mean' or a number in [0, 1], got {start!r}")
    loadings = np.zeros((n, nfactors))
    twins = _identical_sorts(work)
    for k in range(nfactors):
        np.fill_diagonal(work, 0.0)
        signs, colsum = _reflect_to_positive_manifold(work, twins)
        h = colsum / (n - 1) if start == "mean" else np.full(n, float(start))
        f = _centroid_step(colsum, h)
        for _ in range(max_iter):
            if np.all(np.abs(h - f * f) < tolerance):
                break
            h = f * f
            f = _centroid_step(colsum, h)
        loadings[:, k] = f * signs
        for lo in range(0, n, _BLOCK):      # residual in the reflected frame, in row blocks (no N x N
            work[lo:lo + _BLOCK] -= np.outer(f[lo:lo + _BLOCK], f)   # temporary) ...
        work *= signs[:, None]              # ... then reflected back
        work *= signs[None, :]
    return loadings


_BLOCK = 1024


def _identical_sorts(r: np.ndarray, threshold: float = 1 - 1e-9) -> dict[int, np.ndarray]:
    """Groups of Q-sorts that correlate 1 with each other (the same sort entered twice, say).

    Returns ``{variable: all members of its group}`` for the members of groups of two or more only (usually
    an empty dict). Computed in row blocks from the correlation matrix, before any diagonal is zeroed.
    """
    groups: dict[int, list[int]] = {}
    for lo in range(0, r.shape[0], _BLOCK):
        block = r[lo:lo + _BLOCK] >= threshold
        for offset, row in enumerate(block):
            same = np.flatnonzero(row)
            if len(same) > 1:
                groups.setdefault(int(same[0]), []).append(lo + offset)
    return {member: np.array(members) for members in groups.values() for member in members}


def _is_symmetric(a: np.ndarray) -> bool:
    """Symmetric within rounding, checked in row blocks (no N x N temporary)."""
    return all(np.allclose(a[lo:lo + _BLOCK], a[:, lo:lo + _BLOCK].T) for lo in range(0, a.shape[0], _BLOCK))


def _centroid_step(colsum: np.ndarray, h: np.ndarray) -> np.ndarray:
    total = colsum + h
    norm = float(total.sum())
    if norm <= 0.0:
        # Nothing left to extract (residual correlations all zero): a zero factor, not a division by 0.
        return np.zeros_like(total)
    return total / np.sqrt(norm)
