"""Reading a viewpoint: the Watts & Stenner crib sheet and the composite Q-sort as data to draw.

**Crib sheet** (Watts & Stenner 2012, ch. 7): to interpret a viewpoint, list four groups of statements,
compared on the factor arrays (each viewpoint's ideal sort):

1. ``highest``: the statements in its highest column;
2. ``higher``: statements it ranks higher than every other viewpoint does (strictly), not already in 1;
3. ``lower``: statements it ranks lower than every other viewpoint does (strictly), not already in 4;
4. ``lowest``: the statements in its lowest column.

Each row shows the statement, this viewpoint's score and z-score, the other viewpoints' scores, and marks:
``distinguishing`` ("*" p < .05, "**" p < .01: its z-score differs from every other viewpoint's) and
``consensus`` (no two viewpoints differ at p < .05). Within a group, rows go by this viewpoint's score, then
its z-score, highest first. Viewpoints without scores (no defining sort) are left out of every comparison.

**Composite grid** (Ken-Q's composite factor visualisation): the viewpoint's factor array drawn as the
grid: one column per grid score, its cards ordered by z-score from the top, each card marked with its
distinguishing stars, ► / ◄ when the viewpoint ranks it higher / lower than every other viewpoint (the crib
sheet's comparison, so a ► card is in group 1 or 2), and whether it is a consensus statement (to shade).
Ken-Q draws its arrows from z-scores on distinguishing statements only; comparing factor-array scores keeps
the grid and the crib sheet telling the same story.

Both take a :class:`analysis.viewpoints.ViewpointAnalysis` (or anything with its ``ids``,
``statement_ids``, ``factor_arrays``, ``zscores`` and ``table``).

Example
-------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> from analysis.distinguishing import qdc
>>> z = np.array([[1.2, -1.0], [0.0, 0.1], [-1.2, 0.9]])
>>> found = SimpleNamespace(ids=["1", "2"], statement_ids=["s1", "s2", "s3"], zscores=z,
...                         factor_arrays=np.array([[1, -1], [0, 0], [-1, 1]]), table=qdc(z, np.full((2, 2), 0.3)))
>>> sheet = crib_sheet(found, "1")
>>> [[row.statement for row in group] for group in (sheet.highest, sheet.higher, sheet.lower, sheet.lowest)]
[['s1'], [], [], ['s3']]
>>> sheet.highest[0].others, sheet.highest[0].distinguishing
({'2': -1}, '**')
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = ["CribRow", "CribSheet", "GridCard", "composite_grid", "crib_sheet", "crib_sheets", "statement_marks"]

HIGHER, LOWER = "\u25ba", "\u25c4"          # ► ◄
GROUPS = ("highest", "higher", "lower", "lowest")


@dataclass
class CribRow:
    """One statement on a crib sheet. ``others``: viewpoint id -> that viewpoint's score."""

    statement: str
    index: int
    score: float
    zscore: float
    others: dict[str, float]
    distinguishing: str = ""
    consensus: bool = False
    text: str | None = None

    @property
    def mark(self) -> str:
        """"D*", "D**", "C" or "": the crib sheet's D/C column."""
        return f"D{self.distinguishing}" if self.distinguishing else ("C" if self.consensus else "")


@dataclass
class CribSheet:
    """The four groups of one viewpoint (lists of :class:`CribRow`)."""

    viewpoint: str
    highest: list[CribRow] = field(default_factory=list)
    higher: list[CribRow] = field(default_factory=list)
    lower: list[CribRow] = field(default_factory=list)
    lowest: list[CribRow] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-safe: {"viewpoint": id, "highest": [row...], ...}, each row with its ``mark``."""
        out: dict = {"viewpoint": self.viewpoint}
        for name in GROUPS:
            out[name] = [dict(asdict(row), mark=row.mark) for row in getattr(self, name)]
        return out


@dataclass
class GridCard:
    """A card of the composite grid. ``direction``: "►", "◄" or ""."""

    statement: str
    index: int
    zscore: float
    distinguishing: str = ""
    direction: str = ""
    consensus: bool = False
    text: str | None = None


def _scored(found) -> np.ndarray:
    """Indices of the viewpoints with scores."""
    return np.flatnonzero(~np.isnan(np.asarray(found.zscores, dtype=float)).any(axis=0))


def _column(found, viewpoint) -> int:
    ids = list(found.ids)
    if isinstance(viewpoint, (int, np.integer)) and not isinstance(viewpoint, bool):
        if not 0 <= viewpoint < len(ids):
            raise KeyError(f"no viewpoint at position {viewpoint}; there are {len(ids)}")
        return int(viewpoint)
    if viewpoint not in ids:
        raise KeyError(f"no viewpoint {viewpoint!r}; there are {', '.join(ids)}")
    return ids.index(viewpoint)


def statement_marks(found, viewpoint) -> dict:
    """Per statement, for one viewpoint: ``distinguishing`` ("", "*", "**"), ``direction`` ("►", "◄", "")
    and ``consensus`` (bool), each a list in statement order.

    ► / ◄: the viewpoint's factor-array score is strictly higher / lower than every other scored
    viewpoint's. No arrows with fewer than two scored viewpoints.
    """
    v = _column(found, viewpoint)
    n = len(found.statement_ids)
    arrays = np.asarray(found.factor_arrays, dtype=float)
    others = [w for w in _scored(found) if w != v]
    stars = [""] * n
    direction = [""] * n
    scored = v in set(_scored(found).tolist())
    if scored:
        for level, symbol in ((0.05, "*"), (0.01, "**")):
            for i in found.table.distinguishing(level)[v]:
                stars[int(i)] = symbol
        if others:
            mine, rest = arrays[:, v][:, None], arrays[:, others]
            for i in np.flatnonzero((mine > rest).all(axis=1)):
                direction[int(i)] = HIGHER
            for i in np.flatnonzero((mine < rest).all(axis=1)):
                direction[int(i)] = LOWER
    consensus = np.zeros(n, dtype=bool)
    consensus[np.asarray(found.table.consensus(0.05), dtype=int)] = True
    return {"distinguishing": stars, "direction": direction, "consensus": consensus.tolist()}


def crib_sheet(found, viewpoint, texts: Sequence[str] | None = None) -> CribSheet:
    """The crib sheet of one viewpoint (its id, or its position).

    Parameters
    ----------
    found : ViewpointAnalysis
    viewpoint : str or int
    texts : statement texts in statement order, optional (copied onto the rows)

    Returns
    -------
    CribSheet (empty groups for a viewpoint without scores)
    """
    v = _column(found, viewpoint)
    ids = list(found.ids)
    sheet = CribSheet(ids[v])
    if v not in set(_scored(found).tolist()):
        return sheet
    arrays = np.asarray(found.factor_arrays, dtype=float)
    z = np.asarray(found.zscores, dtype=float)[:, v]
    marks = statement_marks(found, v)
    others = [w for w in _scored(found) if w != v]
    mine = arrays[:, v]
    top, bottom = mine.max(), mine.min()

    def row(i: int) -> CribRow:
        return CribRow(found.statement_ids[i], i, _plain(mine[i]), float(z[i]),
                       {ids[w]: _plain(arrays[i, w]) for w in others}, marks["distinguishing"][i],
                       marks["consensus"][i], None if texts is None else texts[i])

    def group(members) -> list[CribRow]:
        ordered = sorted((int(i) for i in members), key=lambda i: (-mine[i], -z[i], i))
        return [row(i) for i in ordered]

    sheet.highest = group(np.flatnonzero(mine == top))
    sheet.lowest = group(np.flatnonzero(mine == bottom))
    if others:
        sheet.higher = group(i for i, d in enumerate(marks["direction"]) if d == HIGHER and mine[i] != top)
        sheet.lower = group(i for i, d in enumerate(marks["direction"]) if d == LOWER and mine[i] != bottom)
    return sheet


def crib_sheets(found, texts: Sequence[str] | None = None) -> dict[str, CribSheet]:
    """Every viewpoint's crib sheet, by viewpoint id."""
    return {vid: crib_sheet(found, vid, texts) for vid in found.ids}


def composite_grid(found, viewpoint, texts: Sequence[str] | None = None) -> dict:
    """The viewpoint's composite Q-sort as plain data a page can draw.

    Returns
    -------
    dict
        ``viewpoint`` (id); ``columns``: one per distinct score of the factor array, ascending, each
        ``{"score": s, "cards": [card, ...]}`` with cards ordered by z-score, highest first (card: statement,
        index, zscore, distinguishing, direction, consensus, text); ``legend``: symbol -> meaning.
        An empty ``columns`` list for a viewpoint without scores.
    """
    v = _column(found, viewpoint)
    out = {"viewpoint": list(found.ids)[v], "columns": [], "legend": {
        "*": "distinguishing, p < .05", "**": "distinguishing, p < .01",
        HIGHER: "ranked higher than in every other viewpoint", LOWER: "ranked lower than in every other viewpoint",
        "consensus": "consensus statement: no two viewpoints differ (p < .05)"}}
    if v not in set(_scored(found).tolist()):
        return out
    arrays = np.asarray(found.factor_arrays, dtype=float)[:, v]
    z = np.asarray(found.zscores, dtype=float)[:, v]
    marks = statement_marks(found, v)
    for score in np.unique(arrays):
        members = sorted(np.flatnonzero(arrays == score).tolist(), key=lambda i: (-z[i], i))
        cards = [asdict(GridCard(found.statement_ids[i], i, float(z[i]), marks["distinguishing"][i],
                                 marks["direction"][i], marks["consensus"][i],
                                 None if texts is None else texts[i])) for i in members]
        out["columns"].append({"score": _plain(score), "cards": cards})
    return out


def _plain(value: float):
    """A grid score as int when whole (3, not 3.0), else float."""
    value = float(value)
    return int(value) if value == round(value) else value
