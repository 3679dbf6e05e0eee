"""Correlation between Q-sorts (participants), the first step of a by-person factor analysis.

The engine rarely needs the participants x participants correlation matrix ``R`` itself. For Pearson and
Spearman, ``R = Z.T @ Z / (m - 1)`` where ``Z`` (m x n_participants) holds each sort standardised over its
m statements; principal components then come from a thin SVD of ``Z``, which costs O(m² N) time and O(m N)
memory instead of O(N³) and O(N²). Kendall's tau-b factors the same way over the m(m-1)/2 statement
*pairs* (see :func:`standardise`), so it also avoids the N x N matrix, at the price of memory that grows
with m² N. Only Brown's centroid works on ``R`` itself (:func:`correlate`).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

METHODS = ("pearson", "spearman", "kendall")


def as_sorts(sorts, participant_ids: Sequence[str] | None = None) -> np.ndarray:
    """Check a score matrix and return it as a float array (n_statements, n_participants).

    Raises ``ValueError`` naming the participant when a column is constant (it has no correlation with
    anything) or a value is not a finite number.

    Examples
    --------
    >>> as_sorts([[1, -1], [0, 0], [-1, 1]]).shape
    (3, 2)
    """
    x = np.asarray(sorts, dtype=float)
    if x.ndim != 2:
        raise ValueError(f"sorts must be a 2-D matrix (statements x participants), got shape {x.shape}")
    n_statements, n_participants = x.shape
    if n_statements < 3:
        raise ValueError(f"need at least 3 statements, got {n_statements}")
    if n_participants < 2:
        raise ValueError(f"need at least 2 Q-sorts (participants), got {n_participants}")
    if not np.all(np.isfinite(x)):
        row, col = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(f"score of {_name(col, participant_ids)} for statement {row + 1} is not a number")
    constant = np.flatnonzero(np.ptp(x, axis=0) == 0)
    if constant.size:
        raise ValueError(
            f"{_name(constant[0], participant_ids)} gives every statement the same score; a constant Q-sort "
            "has no correlation with the others: remove it"
        )
    return x


def _name(column: int, participant_ids: Sequence[str] | None) -> str:
    if participant_ids is not None and column < len(participant_ids):
        return f"participant {participant_ids[column]!r} (column {column + 1})"
    return f"participant in column {column + 1}"


def rank_columns(x: np.ndarray) -> np.ndarray:
    """Rank each column 1..m, tied values getting their average rank (as R's ``rank``).

    Examples
    --------
    >>> rank_columns(np.array([[3.0], [1.0], [3.0]])).ravel().tolist()
    [2.5, 1.0, 2.5]
    """
    m, n = x.shape
    order = np.argsort(x, axis=0, kind="stable")
    sorted_x = np.take_along_axis(x, order, axis=0)
    ranks_sorted = np.empty_like(sorted_x)
    cols = np.arange(n)
    # Average rank of each run of equal values: cumulative count trick, column by column vectorised.
    new_run = np.ones((m, n), dtype=bool)
    new_run[1:] = sorted_x[1:] != sorted_x[:-1]
    run_id = np.cumsum(new_run, axis=0) - 1                      # 0-based run index per column
    positions = np.broadcast_to(np.arange(1, m + 1, dtype=float)[:, None], (m, n))
    flat_run = run_id + cols[None, :] * m                         # unique run ids across columns
    sums = np.bincount(flat_run.ravel(), weights=positions.ravel(), minlength=m * n)
    counts = np.bincount(flat_run.ravel(), minlength=m * n)
    means = sums / np.maximum(counts, 1)
    ranks_sorted[:] = means[flat_run]
    ranks = np.empty_like(ranks_sorted)
    np.put_along_axis(ranks, order, ranks_sorted, axis=0)
    return ranks


def _kendall_pairs(x: np.ndarray) -> np.ndarray:
    """Signs of every statement pair, (m(m-1)/2, n), each column scaled to unit length (tau-b)."""
    m = x.shape[0]
    i, j = np.triu_indices(m, k=1)
    signs = np.sign(x[i] - x[j])
    return signs / np.sqrt(np.sum(signs * signs, axis=0))


def standardise(sorts, method: str = "pearson") -> np.ndarray:
    """Standardise Q-sorts so that their correlation matrix is ``Z.T @ Z / (Z.shape[0] - 1)``.

    Parameters
    ----------
    sorts : array-like, shape (n_statements, n_participants)
        The score each participant gave each statement. Checked with :func:`as_sorts`.
    method : {"pearson", "spearman", "kendall"}
        Pearson: each column centred and divided by its sample standard deviation.
        Spearman: the same on the columns' average ranks.
        Kendall (tau-b, as R's ``cor(method="kendall")``): one row per statement pair (i, j) holding
        sign(x_i - x_j), each column scaled so the formula above gives tau-b. ``Z`` then has
        n_statements(n_statements-1)/2 rows: memory grows with n_statements² x n_participants.

    Returns
    -------
    Z : ndarray, shape (n_rows, n_participants)
        n_rows is n_statements for Pearson and Spearman.

    Examples
    --------
    >>> x = np.array([[2, 1, -2], [0, 2, 0], [-2, -3, 2], [1, 0, -1], [-1, 0, 1]])
    >>> z = standardise(x)
    >>> r = z.T @ z / (z.shape[0] - 1)
    >>> bool(np.allclose(r, np.corrcoef(x, rowvar=False)))
    True
    """
    if method not in METHODS:
        raise ValueError(f"cor_method must be one of {', '.join(METHODS)}, got {method!r}")
    x = as_sorts(sorts)
    if method == "kendall":
        pairs = _kendall_pairs(x)
        return pairs * np.sqrt(pairs.shape[0] - 1)
    if method == "spearman":
        x = rank_columns(x)
    centred = x - x.mean(axis=0)
    return centred / centred.std(axis=0, ddof=1)


def correlate(sorts, method: str = "pearson") -> np.ndarray:
    """The full correlation matrix between Q-sorts, shape (n_participants, n_participants).

    Builds the N x N matrix: use it for small studies, Brown's centroid and display, not for
    thousands of sorts (principal components never need it).

    Examples
    --------
    >>> r = correlate([[1, 2], [2, 1], [3, 3]])
    >>> r.round(3).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    z = standardise(sorts, method)
    r = z.T @ z / (z.shape[0] - 1)
    np.fill_diagonal(r, 1.0)
    return r
