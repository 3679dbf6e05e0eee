"""What every reader shares: the study it returns (:class:`QData`), the error it raises
(:class:`FormatError`) and the checks every study passes before it leaves a reader."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from ..grid import Grid, infer_grid

__all__ = ["QData", "FormatError", "Where", "check_study", "parse_score", "parse_scores", "parse_score_block",
           "read_text"]


class FormatError(ValueError):
    """A file that cannot be read as Q-sorts, with where the problem is.

    Attributes
    ----------
    file : str
        The file (for a file inside a ZIP: ``archive.zip!sorts.txt``).
    line : int or None
        1-based line number in that file.
    field : str or None
        The column, participant or part of the line, in words (``"column 4 (US3)"``).
    message : str
        What is wrong.

    ``str(error)`` is ``"file:line: field: message"`` (parts that are unknown are left out).
    """

    def __init__(self, file: str | os.PathLike, message: str, line: int | None = None,
                 field: str | None = None):
        self.file = str(file)
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class QData:
    """A Q study as read from a file: the score matrix and what labels it.

    Attributes
    ----------
    sorts : ndarray of int, shape (n_statements, n_participants)
        ``sorts[i, j]`` is the score participant ``j`` gave statement ``i`` (the layout ``qmethod`` takes).
    participant_ids : list of str, length n_participants, unique
    statement_ids : list of str, length n_statements, unique
    statement_texts : list of str or None
    grid : Grid or None
        The forced distribution every sort fills (stated by the file or inferred because all sorts
        share it); ``None`` for a free distribution.
    title : str or None
    grid_source : str
        ``"file"`` (the file states the grid), ``"inferred"`` or ``"free"``.
    """

    sorts: np.ndarray
    participant_ids: list[str]
    statement_ids: list[str]
    statement_texts: list[str] | None = None
    grid: Grid | None = None
    title: str | None = None
    grid_source: str = field(default="free")

    @property
    def n_statements(self) -> int:
        return int(self.sorts.shape[0])

    @property
    def n_participants(self) -> int:
        return int(self.sorts.shape[1])

    def with_statement_texts(self, texts: Sequence[str] | None) -> "QData":
        """A copy carrying these statement texts (one per statement)."""
        if texts is not None and len(texts) != self.n_statements:
            raise ValueError(f"{len(texts)} statement texts for {self.n_statements} statements")
        return replace(self, statement_texts=None if texts is None else list(texts))


@dataclass(frozen=True)
class Where:
    """Where a participant's or statement's data sits in its file (for error messages)."""

    line: int | None
    field: str | None


def parse_score(text: str, file: str, line: int | None, field: str) -> int:
    """A score cell (``"3"``, ``"+3"``, ``"-2"``, ``" 4 "``, ``"2.0"``) as an int, or a FormatError."""
    cell = text.strip()
    if cell == "":
        raise FormatError(file, "missing score (empty cell)", line, field)
    try:
        value = float(cell)
    except ValueError:
        raise FormatError(file, f"score {cell!r} is not a number", line, field) from None
    if not np.isfinite(value) or value != round(value):
        raise FormatError(file, f"score {cell!r} is not a whole number", line, field)
    return int(value)


def parse_scores(cells: Sequence[str], file: str, line: int | None, field_of) -> np.ndarray:
    """A row of score cells as an int array; ``field_of(i)`` names cell i in an error message.

    numpy converts the whole row at once (fast for 100,000 Q-sorts); only a row that fails is
    parsed cell by cell, to name the first bad cell.
    """
    try:
        values = np.array(cells, dtype=float)
    except ValueError:
        values = None
    if values is None or not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
        return np.array([parse_score(cell, file, line, field_of(i)) for i, cell in enumerate(cells)], dtype=int)
    return values.astype(int)


def parse_score_block(rows: Sequence[Sequence[str]], file: str, lines: Sequence[int | None],
                      field_of) -> np.ndarray:
    """Equal-length rows of score cells as an int array (n_rows, n_cells), converted in one go;
    a block that fails is parsed row by row (:func:`parse_scores`) to name the first bad cell."""
    try:
        values = np.array(rows, dtype=float)
    except ValueError:
        values = None
    if values is None or not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
        return np.array([parse_scores(row, file, line, field_of) for row, line in zip(rows, lines)], dtype=int)
    return values.astype(int)


def read_text(path: str | os.PathLike, data: bytes | None = None) -> str:
    """Decode a text file: UTF-8 (with or without BOM), else Windows-1252 (old PQMethod/Excel files)."""
    raw = data if data is not None else Path(path).read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _check_unique(file: str, ids: Sequence[str], where: Sequence[Where], what: str) -> None:
    seen: dict[str, int] = {}
    for k, ident in enumerate(ids):
        if ident == "":
            raise FormatError(file, f"empty {what} id", where[k].line, where[k].field)
        if ident in seen:
            first = where[seen[ident]]
            at = f" (first on line {first.line})" if first.line is not None else ""
            raise FormatError(file, f"duplicate {what} id {ident!r}{at}", where[k].line, where[k].field)
        seen[ident] = k


def check_study(file: str, sorts: np.ndarray, participant_ids: Sequence[str],
                statement_ids: Sequence[str], *, participant_where: Sequence[Where],
                statement_where: Sequence[Where], grid: Grid | None = None,
                grid_where: Where | None = None, statement_texts: Sequence[str] | None = None,
                title: str | None = None) -> QData:
    """Validate a parsed study and wrap it in :class:`QData`.

    Raises :class:`FormatError` for an empty study, duplicate or empty ids, and a sort that does not
    fit ``grid`` (the grid the file states). Without a stated grid, the grid is inferred when all
    sorts share one distribution, else the study is free.
    """
    sorts = np.asarray(sorts, dtype=int).reshape(len(statement_ids), len(participant_ids))
    if sorts.shape[1] == 0:
        raise FormatError(file, "no Q-sorts in the file")
    if sorts.shape[0] == 0:
        raise FormatError(file, "no statements in the file")
    _check_unique(file, participant_ids, participant_where, "participant")
    _check_unique(file, statement_ids, statement_where, "statement")
    source = "free"
    if grid is not None:
        if grid.n_statements != sorts.shape[0]:
            at = grid_where or Where(None, "grid")
            raise FormatError(file, f"the grid holds {grid.n_statements} statements, "
                                    f"the sorts have {sorts.shape[0]}", at.line, at.field)
        # Sorted, a fitting sort equals the grid's distribution: check all at once, word the first misfit.
        fits = np.all(np.sort(sorts, axis=0) == grid.distribution()[:, None], axis=0)
        for j in np.flatnonzero(~fits)[:1]:
            pid = participant_ids[j]
            problem = grid.mismatch(sorts[:, j])
            if problem:
                w = participant_where[j]
                raise FormatError(file, f"Q-sort {pid!r} does not fit the grid {grid}: {problem}",
                                  w.line, w.field)
        source = "file"
    else:
        grid = infer_grid(sorts)
        source = "inferred" if grid is not None else "free"
    if statement_texts is not None and len(statement_texts) != sorts.shape[0]:
        raise FormatError(file, f"{len(statement_texts)} statement texts for {sorts.shape[0]} statements")
    return QData(sorts=sorts, participant_ids=list(participant_ids), statement_ids=list(statement_ids),
                 statement_texts=None if statement_texts is None else list(statement_texts),
                 grid=grid, title=title or None, grid_source=source)
