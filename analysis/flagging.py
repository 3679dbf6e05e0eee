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


def override_flags(flagged, overrides, participant_ids=None) -> np.ndarray:
    """Replace the flags of some participants only (partial manual flagging, as in Ken-Q and KADE).

    Parameters
    ----------
    flagged : array-like of bool, shape (n_participants, n_factors)
        The flags to start from (usually the automatic ones).
    overrides : mapping participant -> factor index or None
        A participant is a 0-based row index or, when ``participant_ids`` is given, an id. Each listed
        participant is flagged on that factor (0-based) alone, or on none for None; every other row keeps
        its flags.
    participant_ids : sequence of str, optional

    Returns
    -------
    flagged : ndarray of bool, shape (n_participants, n_factors), a new array

    Examples
    --------
    >>> f = np.array([[True, False], [False, True], [False, False]])
    >>> override_flags(f, {0: 1, "p2": None}, ["p1", "p2", "p3"]).tolist()
    [[False, True], [False, False], [False, False]]
    """
    flags = np.array(flagged, dtype=bool, copy=True)
    for row, factor in resolve_overrides(overrides, flags.shape, participant_ids).items():
        flags[row] = False
        if factor is not None:
            flags[row, factor] = True
    return flags


def resolve_overrides(overrides, shape: tuple[int, int], participant_ids=None) -> dict[int, int | None]:
    """``{row index: factor index or None}`` from a map keyed by row index or participant id, checked."""
    n_participants, n_factors = shape
    rows = {pid: i for i, pid in enumerate(participant_ids)} if participant_ids is not None else {}
    resolved: dict[int, int | None] = {}
    for who, factor in dict(overrides).items():
        if isinstance(who, str):
            if who not in rows:
                raise ValueError(f"flag_overrides: unknown participant {who!r}")
            row = rows[who]
        elif isinstance(who, (int, np.integer)) and not isinstance(who, bool) and 0 <= who < n_participants:
            row = int(who)
        else:
            raise ValueError(f"flag_overrides: {who!r} is neither a participant id nor a row 0..{n_participants - 1}")
        if factor is not None and (isinstance(factor, bool) or not isinstance(factor, (int, np.integer))
                                   or not 0 <= factor < n_factors):
            raise ValueError(f"flag_overrides: participant {who!r}: factor must be None or 0..{n_factors - 1} "
                             f"(0-based), got {factor!r}")
        if row in resolved:
            raise ValueError(f"flag_overrides: participant {who!r} is given more than once")
        resolved[row] = None if factor is None else int(factor)
    return resolved


def has_negative_flags(loadings, flagged) -> bool:
    """True when some flagged sort has a negative loading on the factor it defines."""
    return bool(np.any(np.asarray(flagged) & (np.asarray(loadings) < 0)))
