"""Flagging: which Q-sorts define (are weighted into) each factor.

qmethod's ``qflag`` rule: sort i is flagged on factor j when a_ij² is greater than the sum of its other
squared loadings (more than half its common variance) and |a_ij| > z/sqrt(n_statements), z being the
two-sided normal quantile of the level (1.96 for p < .05, 2.58 for .01, 3.29 for .001; qmethod and
PQMethod use 1.96 and 2.58). A sort is flagged on at most one factor.
"""
from __future__ import annotations

import numpy as np

LEVELS = {0.05: 1.96, 0.01: 2.58, 0.001: 3.29}
NEGATIVE_POLICIES = ("flag", "exclude")
NEGATIVE_WARNING = (
    "One or more Q-sorts with negative loadings are flagged through the automatic pre-flagging "
    "(as qmethod does): they enter the factor with a negative weight. Check the flags."
)


def threshold(n_statements: int, level: float = 0.05) -> float:
    """The loading a sort must exceed in absolute value to be significant at ``level``.

    Examples
    --------
    >>> round(float(threshold(33)), 4)
    0.3412
    """
    if level not in LEVELS:
        raise ValueError(f"flag level must be one of {sorted(LEVELS, reverse=True)}, got {level!r}")
    return float(LEVELS[level] / np.sqrt(n_statements))


def flag(loadings, n_statements: int, level: float = 0.05, negative: str = "flag", manual=None) -> np.ndarray:
    """Automatic flags (qmethod's rule) or manual flags that override them.

    Parameters
    ----------
    loadings : array-like, shape (n_participants, n_factors)
    n_statements : int
    level : {0.05, 0.01, 0.001}
    negative : {"flag", "exclude"}
        "flag": as qmethod, a sort with a large negative loading is flagged (and weighted negatively);
        "exclude": only positive loadings are flagged.
    manual : array-like of bool, shape (n_participants, n_factors), optional
        The researcher's complete flag matrix; when given it replaces the automatic flags as it is
        (a sort may then be flagged on several factors; ``negative`` is not applied to it).

    Returns
    -------
    flagged : ndarray of bool, shape (n_participants, n_factors)

    Examples
    --------
    >>> a = np.array([[0.8, 0.1], [0.2, -0.7], [0.3, 0.3]])
    >>> flag(a, 33).tolist()
    [[True, False], [False, True], [False, False]]
    >>> flag(a, 33, negative="exclude").tolist()
    [[True, False], [False, False], [False, False]]
    """
    a = np.asarray(loadings, dtype=float)
    if negative not in NEGATIVE_POLICIES:
        raise ValueError(f"negative_flags must be 'flag' or 'exclude', got {negative!r}")
    if manual is not None:
        flags = np.asarray(manual)
        if flags.shape != a.shape:
            raise ValueError(f"manual_flags must have shape {a.shape} (participants x factors), got {flags.shape}")
        if flags.dtype != bool:
            if not np.isin(flags, (0, 1)).all():
                raise ValueError("manual_flags must hold booleans (or 0/1)")
            flags = flags.astype(bool)
        return flags.copy()
    squared = a * a
    others = squared.sum(axis=1, keepdims=True) - squared
    flags = (squared > others) & (np.abs(a) > threshold(n_statements, level))
    if negative == "exclude":
        flags &= a > 0
    return flags


def has_negative_flags(loadings, flagged) -> bool:
    """True when some flagged sort has a negative loading on the factor it defines."""
    return bool(np.any(np.asarray(flagged) & (np.asarray(loadings) < 0)))
