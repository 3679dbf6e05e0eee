"""Which distribution the factor arrays are fitted to: forced (the study's grid), given, or pooled (free).

A *forced* study's sorts all fill one grid, and a factor array is an ideal sort on that grid. A *free*
study's sorts do not share a distribution, so the factor arrays need one chosen for them: the one the
researcher gives, or else the *pooled* distribution (n_statements values spread like all the study's
scores together), which for a forced study is exactly its grid.

:func:`array_distribution` makes that decision once, for the command line and the web pages alike.

Example
-------
>>> import numpy as np
>>> from analysis.grid import Grid
>>> sorts = np.array([[2, 1], [0, 0], [-2, -1]])          # two sorts, different shapes: a free study
>>> choice = array_distribution(sorts, grid=None)
>>> choice.values.tolist(), choice.forced, choice.source
([-1.0, 0.0, 2.0], False, 'pooled')
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ArrayDistribution", "DistributionError", "array_distribution", "pooled_distribution"]


class DistributionError(ValueError):
    """A distribution that cannot be used for this study (wrong size, or not the grid the sorts fill)."""


@dataclass(frozen=True)
class ArrayDistribution:
    """The decision :func:`array_distribution` takes.

    values : the distribution to pass to :func:`analysis.qmethod` (a Grid, or an array of n_statements
        values). forced : True for a forced study (its factor arrays use its own grid). source : "grid"
        (the study's grid), "option" (the distribution given) or "pooled" (all scores pooled). note : a
        sentence for the result's warnings when the study is treated as free, else None.
    """

    values: object
    forced: bool
    source: str
    note: str | None = None


def pooled_distribution(sorts) -> np.ndarray:
    """n_statements values spread like all scores pooled: the factor-array distribution of a free study.

    The i-th value is the pooled score at quantile (i + 0.5) / n_statements, so when every sort fills the
    same grid the result is that grid.

    Parameters
    ----------
    sorts : array-like, shape (n_statements, n_participants)

    Returns
    -------
    ndarray, shape (n_statements,), ascending

    Examples
    --------
    >>> pooled_distribution(np.array([[-1, -2], [0, 0], [1, 2]])).tolist()
    [-1.0, 0.0, 2.0]
    """
    x = np.asarray(sorts, dtype=float)
    pooled = np.sort(x.ravel())
    n = x.shape[0]
    positions = ((np.arange(n) + 0.5) / n * pooled.size).astype(int)
    return pooled[positions]


def array_distribution(sorts, grid=None, *, free: bool = False, distribution=None) -> ArrayDistribution:
    """Decide what the factor arrays are fitted to.

    Parameters
    ----------
    sorts : array-like, shape (n_statements, n_participants)
    grid : Grid or None
        The grid every sort fills (stated by the file or inferred), None for a free study.
    free : bool
        Treat the study as free even when the sorts share a grid.
    distribution : Grid, optional
        A distribution the researcher asks for. On a forced study (and without ``free``) it must equal the
        grid: a factor array of a forced study is an ideal sort on that grid.

    Returns
    -------
    ArrayDistribution

    Raises
    ------
    DistributionError
        When ``distribution`` holds another number of statements, or differs from a forced study's grid.

    Examples
    --------
    >>> from analysis.grid import Grid
    >>> g = Grid((-1, 0, 1), (1, 1, 1))
    >>> sorts = np.array([[1, 0], [0, -1], [-1, 1]])
    >>> array_distribution(sorts, g).source, array_distribution(sorts, g, free=True).source
    ('grid', 'pooled')
    """
    x = np.asarray(sorts)
    n_statements = x.shape[0]
    if distribution is not None:
        if distribution.n_statements != n_statements:
            raise DistributionError(f"{distribution} holds {distribution.n_statements} statements, "
                                    f"the study has {n_statements}")
        if grid is not None and not free:
            if distribution != grid:
                raise DistributionError(f"the Q-sorts fill the grid {grid}, not {distribution}; treat the study "
                                        "as free to fit the factor arrays to another distribution")
            return ArrayDistribution(grid, True, "grid")
        return ArrayDistribution(distribution, False, "option",
                                 f"Free distribution: factor arrays use the distribution given ({distribution}).")
    if grid is not None and not free:
        return ArrayDistribution(grid, True, "grid")
    why = "treated as free on request" if free else "the Q-sorts do not share one grid"
    return ArrayDistribution(pooled_distribution(x), False, "pooled",
                             f"Free distribution ({why}): factor arrays use the pooled distribution of all sorts.")
