"""The sorting grid of a Q study: which scores exist and how many cards each column holds.

A forced Q-sort puts every statement in exactly one column, and column ``s`` holds exactly
``height(s)`` statements. :class:`Grid` describes such a distribution, checks a sort against it
(:meth:`Grid.mismatch` says what is wrong in words a participant or researcher understands), and is
what the readers in :mod:`analysis.formats` attach to a study when its file states or implies one.

- :func:`quasi_normal_grid` proposes a sensible symmetric grid for any number of statements
  (the web app's default when a researcher creates a study);
- :func:`infer_grid` finds the grid shared by a set of sorts (``None`` when they do not share one,
  i.e. the study used a free distribution).

Example
-------
>>> g = quasi_normal_grid(33)
>>> str(g)
'-4..+4: 2,3,4,5,5,5,4,3,2'
>>> g.mismatch([0] * 32 + [1])
'column 0 has 32 cards, the grid holds 5 (27 too many); column -4 has 0 cards, the grid holds 2 (2 too few); ...'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

__all__ = ["Grid", "infer_grid", "quasi_normal_grid"]


def _signed(score: int) -> str:
    """A column score as researchers write it: ``-2``, ``0``, ``+3``."""
    return f"+{score}" if score > 0 else str(score)


@dataclass(frozen=True)
class Grid:
    """A forced distribution: column ``scores[i]`` holds ``heights[i]`` statements.

    Parameters
    ----------
    scores : tuple of int, strictly increasing, e.g. ``(-4, -3, ..., 4)``
    heights : tuple of int >= 0, same length, summing to the number of statements

    Examples
    --------
    >>> g = Grid((-1, 0, 1), (1, 2, 1))
    >>> g.n_statements, g.distribution().tolist()
    (4, [-1, 0, 0, 1])
    >>> g.fits([0, 1, -1, 0]), g.mismatch([1, 1, -1, 0])
    (True, 'column +1 has 2 cards, the grid holds 1 (1 too many); column 0 has 1 card, the grid holds 2 (1 too few)')
    """

    scores: tuple[int, ...]
    heights: tuple[int, ...]

    def __post_init__(self) -> None:
        scores = tuple(int(s) for s in self.scores)
        heights = tuple(int(h) for h in self.heights)
        if any(s != orig for s, orig in zip(scores, self.scores)) or any(
            h != orig for h, orig in zip(heights, self.heights)
        ):
            raise ValueError("grid scores and heights must be whole numbers")
        if len(scores) != len(heights):
            raise ValueError(f"grid has {len(scores)} scores but {len(heights)} heights")
        if not scores:
            raise ValueError("grid has no columns")
        if any(b <= a for a, b in zip(scores, scores[1:])):
            raise ValueError(f"grid scores must be strictly increasing, got {list(scores)}")
        if any(h < 0 for h in heights):
            raise ValueError(f"grid heights must be >= 0, got {list(heights)}")
        if sum(heights) == 0:
            raise ValueError("grid holds no statements (all heights are 0)")
        # Normalise to plain ints so equality and hashing do not depend on numpy types.
        object.__setattr__(self, "scores", scores)
        object.__setattr__(self, "heights", heights)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_sort(cls, values: Iterable[float]) -> "Grid":
        """The grid a single sort (or any 1-D distribution of scores) fills exactly.

        >>> Grid.from_sort([2, -1, 0, 0, 2])
        Grid(scores=(-1, 0, 2), heights=(1, 2, 2))
        """
        arr = _as_integer_scores(values)
        scores, counts = np.unique(arr, return_counts=True)
        return cls(tuple(int(s) for s in scores), tuple(int(c) for c in counts))

    @classmethod
    def from_range(cls, lowest: int, heights: Sequence[int]) -> "Grid":
        """Consecutive scores starting at ``lowest``: ``Grid.from_range(-2, [1, 2, 3, 2, 1])``."""
        return cls(tuple(range(int(lowest), int(lowest) + len(heights))), tuple(heights))

    @classmethod
    def from_dict(cls, data: dict) -> "Grid":
        """Inverse of :meth:`to_dict` (``{"scores": [...], "heights": [...]}``)."""
        return cls(tuple(data["scores"]), tuple(data["heights"]))

    def to_dict(self) -> dict:
        """JSON-safe form: ``{"scores": [...], "heights": [...]}``."""
        return {"scores": list(self.scores), "heights": list(self.heights)}

    # -- properties -----------------------------------------------------------------------------
    @property
    def n_statements(self) -> int:
        """Number of statements the grid holds (sum of the heights)."""
        return sum(self.heights)

    @property
    def min_score(self) -> int:
        return self.scores[0]

    @property
    def max_score(self) -> int:
        return self.scores[-1]

    def height(self, score: int) -> int:
        """How many statements column ``score`` holds (0 for a score outside the grid)."""
        return dict(zip(self.scores, self.heights)).get(int(score), 0)

    def distribution(self) -> np.ndarray:
        """The ``n_statements`` grid values in ascending order, e.g. ``[-4, -4, -3, -3, -3, ...]``.

        This is the ``distribution`` argument of ``qmethod`` and the pool a random sort permutes.
        """
        return np.repeat(np.asarray(self.scores, dtype=int), self.heights)

    # -- checking sorts -------------------------------------------------------------------------
    def fits(self, sort: Iterable[float]) -> bool:
        """True when ``sort`` (one score per statement) fills every column exactly."""
        return self.mismatch(sort) is None

    def mismatch(self, sort: Iterable[float]) -> str | None:
        """What keeps ``sort`` from fitting the grid, in words; ``None`` when it fits.

        Checks, in order: the number of scores, missing scores, scores that are not whole numbers
        or not columns of the grid, then every column holding too many or too few cards (columns
        with too many first, then those with too few, each group by ascending score).

        Parameters
        ----------
        sort : 1-D sequence of numbers, one per statement

        Returns
        -------
        str or None
        """
        try:
            values = np.asarray(list(sort), dtype=float)
        except (TypeError, ValueError):
            return "the sort contains values that are not numbers"
        if values.ndim != 1:
            return "a sort must be a flat list of scores"
        if len(values) != self.n_statements:
            return f"the sort has {len(values)} scores, the grid holds {self.n_statements} statements"
        if not np.all(np.isfinite(values)):
            return "the sort has missing (empty or NaN) scores"
        if np.any(values != np.round(values)):
            bad = values[values != np.round(values)][0]
            return f"score {bad:g} is not a whole number"
        ints = values.astype(int)
        unknown = sorted(set(ints.tolist()) - set(self.scores))
        if unknown:
            listed = ", ".join(_signed(s) for s in unknown)
            return (f"score{'s' if len(unknown) > 1 else ''} {listed} "
                    f"{'are' if len(unknown) > 1 else 'is'} not a column of the grid "
                    f"({_signed(self.min_score)}..{_signed(self.max_score)})")
        too_many, too_few = [], []
        for score, have, height in self.column_differences(ints):
            cards = f"{have} card{'s' if have != 1 else ''}"
            text = f"column {_signed(score)} has {cards}, the grid holds {height}"
            if have > height:
                too_many.append(f"{text} ({have - height} too many)")
            else:
                too_few.append(f"{text} ({height - have} too few)")
        problems = too_many + too_few
        return "; ".join(problems) if problems else None

    def column_differences(self, sort: Iterable[int]) -> list[tuple[int, int, int]]:
        """``(score, cards held, height)`` for every grid column the sort does not fill exactly.

        For messages in the participant's language (the web app words them itself). Scores
        outside the grid are not listed here; :meth:`mismatch` reports them.

        >>> Grid((-1, 0, 1), (1, 2, 1)).column_differences([1, 1, -1, 0])
        [(0, 1, 2), (1, 2, 1)]
        """
        ints = np.asarray(list(sort) if not isinstance(sort, np.ndarray) else sort).astype(int)
        counts = dict(zip(*np.unique(ints, return_counts=True)))
        return [(score, int(counts.get(score, 0)), height) for score, height in zip(self.scores, self.heights)
                if int(counts.get(score, 0)) != height]

    def __str__(self) -> str:
        consecutive = list(self.scores) == list(range(self.min_score, self.max_score + 1))
        if consecutive:
            cols = f"{_signed(self.min_score)}..{_signed(self.max_score)}"
        else:
            cols = ",".join(_signed(s) for s in self.scores)
        return f"{cols}: {','.join(str(h) for h in self.heights)}"


def _as_integer_scores(values: Iterable[float]) -> np.ndarray:
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError("a sort must be a non-empty flat list of scores")
    if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise ValueError("sort scores must be whole numbers")
    return arr.astype(int)


def infer_grid(sorts: np.ndarray | Sequence[Sequence[float]]) -> Grid | None:
    """The grid every sort fills exactly, or ``None`` when the sorts do not share one distribution.

    Parameters
    ----------
    sorts : array-like, shape (n_statements, n_participants)
        One column per participant (the layout of ``qmethod``).

    Returns
    -------
    Grid or None
        ``None`` also when a score is not a whole number or there is no sort at all.

    Examples
    --------
    >>> import numpy as np
    >>> infer_grid(np.array([[1, 0], [0, 1], [-1, -1]]))
    Grid(scores=(-1, 0, 1), heights=(1, 1, 1))
    >>> infer_grid(np.array([[1, 1], [0, 1], [-1, -1]])) is None
    True
    """
    arr = np.asarray(sorts, dtype=float)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        return None
    if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        return None
    ordered = np.sort(arr, axis=0)
    if not np.all(ordered == ordered[:, :1]):
        return None
    return Grid.from_sort(ordered[:, 0])


def _default_max_score(n_statements: int) -> int:
    """The usual range for a Q-set of this size (30 -> 3, 33 -> 4, 36-59 -> 5, 60+ -> 6)."""
    if n_statements <= 12:
        k = 2
    elif n_statements <= 30:
        k = 3
    elif n_statements <= 35:
        k = 4
    elif n_statements <= 59:
        k = 5
    else:
        k = 6
    return min(k, (n_statements - 1) // 2)


def quasi_normal_grid(n_statements: int, max_score: int | None = None) -> Grid:
    """A symmetric, flattened quasi-normal grid ``-k..+k`` for any number of statements.

    Shape: the largest "pyramid" (heights falling by one card per column from the centre, at least
    one card per column) that fits, then the cards left over widen it from the outside in, one
    symmetric pair of columns at a time, an odd card going to the centre. This reproduces the grids
    of classic studies: 30 -> ``3,4,5,6,5,4,3``; 33 -> ``2,3,4,5,5,5,4,3,2`` (Lipset);
    36 -> ``1,2,3,4,5,6,5,4,3,2,1``; 40 -> ``2,3,3,4,5,6,5,4,3,3,2``. Heights never increase away
    from the centre and the grid is symmetric.

    Parameters
    ----------
    n_statements : int >= 1
    max_score : int, optional
        ``k``, the highest score (the grid runs ``-k..+k``). Default: 2 for up to 12 statements,
        3 up to 30, 4 up to 35, 5 up to 59, 6 from 60; never more than ``(n_statements - 1) // 2``
        so each column gets a card.

    Returns
    -------
    Grid

    Raises
    ------
    ValueError
        when ``n_statements < 1`` or ``2 * max_score + 1 > n_statements``.

    Examples
    --------
    >>> str(quasi_normal_grid(33)), str(quasi_normal_grid(20, max_score=3))
    ('-4..+4: 2,3,4,5,5,5,4,3,2', '-3..+3: 2,3,3,4,3,3,2')
    """
    n = int(n_statements)
    if n < 1:
        raise ValueError(f"a grid needs at least one statement, got {n_statements}")
    k = _default_max_score(n) if max_score is None else int(max_score)
    if k < 0:
        raise ValueError(f"max_score must be >= 0, got {max_score}")
    if 2 * k + 1 > n:
        raise ValueError(f"{n} statements cannot fill {2 * k + 1} columns (-{k}..+{k}): "
                         f"use max_score <= {(n - 1) // 2}")
    distance = np.abs(np.arange(-k, k + 1))

    def pyramid(peak: int) -> np.ndarray:
        return np.maximum(1, peak - distance)

    peak = 1
    while pyramid(peak + 1).sum() <= n:
        peak += 1
    heights = pyramid(peak)
    left = n - int(heights.sum())
    # Widen from the outside in: the columns the next pyramid would raise are those at
    # distance < peak; raising the outermost first turns steps into plateaus, never into dips.
    for d in range(min(peak - 1, k), 0, -1):
        if left < 2:
            break
        heights[k - d] += 1
        heights[k + d] += 1
        left -= 2
    heights[k] += left  # 0 or 1 card (or all of them when k == 0)
    return Grid(tuple(range(-k, k + 1)), tuple(int(h) for h in heights))
