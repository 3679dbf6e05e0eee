"""What every reader shares: the study it returns (:class:`QData`), the error it raises
(:class:`FormatError`) and the checks every study passes before it leaves a reader."""
from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np

from ..grid import Grid, infer_grid

__all__ = ["QData", "FormatError", "Where", "check_study", "parse_score", "parse_scores", "parse_score_block",
           "read_text", "csv_delimiter", "csv_records", "load_json", "MAX_ABS_SCORE", "MAX_FIELD_CHARS",
           "MAX_JSON_DEPTH"]

# No Q-sort grid reaches beyond -99..+99 (PQMethod's and KADE's run within -6..+13, PQMethod's 2-character
# fields cannot hold more); a larger score is a broken file (1e19 would wrap to -9223372036854775808).
MAX_ABS_SCORE = 99
# Python's csv module refuses a field over 128 KiB; no Q-sort file has one (it is an unclosed quote or no CSV).
MAX_FIELD_CHARS = 128 * 1024
# No Q-sort JSON nests deeper than a few levels; Python's parser gives up after about a thousand.
MAX_JSON_DEPTH = 64


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
    """A score cell (``"3"``, ``"+3"``, ``"-2"``, ``" 4 "``, ``"2.0"``) as an int, or a FormatError.

    A score must be a whole number within -MAX_ABS_SCORE..+MAX_ABS_SCORE.
    """
    cell = text.strip()
    shown = cell if len(cell) <= 40 else cell[:40] + "..."
    if cell == "":
        raise FormatError(file, "missing score (empty cell)", line, field)
    try:
        value = float(cell)
    except ValueError:
        raise FormatError(file, f"score {shown!r} is not a number", line, field) from None
    if not np.isfinite(value) or value != round(value):
        raise FormatError(file, f"score {shown!r} is not a whole number", line, field)
    if abs(value) > MAX_ABS_SCORE:
        raise FormatError(file, f"score {shown!r} is outside -{MAX_ABS_SCORE}..+{MAX_ABS_SCORE} "
                                "(no Q-sort grid reaches that far)", line, field)
    return int(value)


def _all_scores(values: np.ndarray) -> bool:
    """Whether every value is a finite whole number within the score range (nan fails every comparison)."""
    return bool(np.all(np.abs(values) <= MAX_ABS_SCORE) and np.all(values == np.round(values)))


def parse_scores(cells: Sequence[str], file: str, line: int | None, field_of) -> np.ndarray:
    """A row of score cells as an int array; ``field_of(i)`` names cell i in an error message.

    numpy converts the whole row at once (fast for 100,000 Q-sorts); only a row that fails is
    parsed cell by cell, to name the first bad cell.
    """
    try:
        values = np.array(cells, dtype=float)
    except (ValueError, OverflowError):
        values = None
    if values is None or not _all_scores(values):
        return np.array([parse_score(cell, file, line, field_of(i)) for i, cell in enumerate(cells)], dtype=int)
    return values.astype(int)


def parse_score_block(rows: Sequence[Sequence[str]], file: str, lines: Sequence[int | None],
                      field_of) -> np.ndarray:
    """Equal-length rows of score cells as an int array (n_rows, n_cells), converted in one go;
    a block that fails is parsed row by row (:func:`parse_scores`) to name the first bad cell."""
    try:
        values = np.array(rows, dtype=float)
    except (ValueError, OverflowError):
        values = None
    if values is None or values.ndim != 2 or not _all_scores(values):
        return np.array([parse_scores(row, file, line, field_of) for row, line in zip(rows, lines)], dtype=int)
    return values.astype(int)


def read_text(path: str | os.PathLike, data: bytes | None = None, encoding: str | None = None) -> str:
    """Decode a text file (``data``: its bytes, when already read, e.g. from a ZIP).

    ``encoding`` given: exactly that (a byte it cannot decode is a FormatError naming the line). Else UTF-8
    (with or without BOM), UTF-16 with a BOM, Windows-1252 (old PQMethod/Excel files in Western languages)
    when the text reads as such, else the encoding detected (Shift-JIS, GBK, ...; see
    :func:`analysis.formats.encoding.decode`), or a FormatError asking for the encoding.
    """
    from .source import as_source

    return as_source(path if data is None else data, str(path)).text(encoding)


def csv_delimiter(text: str) -> str:
    """``;`` when the first line has more semicolons than commas (Excel's CSV in Dutch or Norwegian locales,
    R's write.csv2), else ``,``.

    >>> csv_delimiter("statement;P1;P2\\ns1;1,5;0\\n"), csv_delimiter("ID,s1,s2\\n")
    (';', ',')
    """
    first_line = text.split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


def csv_records(file: str, text: str, delimiter: str = ",") -> list[tuple[int, list[str]]]:
    r"""The records of a CSV text, each with the line it starts on (a quoted field may span lines).

    Raises FormatError naming the line for a field longer than MAX_FIELD_CHARS (an unclosed quote,
    or not a CSV file) or any other CSV syntax error.

    >>> csv_records("x.csv", 'a,b\n"c\nd",e\n')
    [(1, ['a', 'b']), (2, ['c\nd', 'e'])]
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records, start = [], 1
    try:
        for row in reader:
            records.append((start, row))
            start = reader.line_num + 1
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise FormatError(file, f"a field is longer than {MAX_FIELD_CHARS // 1024} KiB: is a quote (\") "
                                    "left open, or is this not a CSV file?", start) from None
        raise FormatError(file, f"not valid CSV: {error}", start) from None
    return records


def _depth_within(text: str, limit: int) -> int | None:
    """The offset where ``[``/``{`` nesting (outside strings) first exceeds ``limit``, or None."""
    depth, in_string, escaped = 0, False, False
    for offset, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return offset
        elif char in "]}":
            depth -= 1
    return None


def load_json(file: str, text: str):
    """Parse a JSON text; FormatError naming line and column for invalid JSON or nesting deeper than
    MAX_JSON_DEPTH (which would exhaust Python's parser)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FormatError(file, f"not valid JSON: {error.msg}", error.lineno, f"column {error.colno}") from None
    except RecursionError:
        pass
    except ValueError as error:     # e.g. an integer of more than 4,300 digits
        raise FormatError(file, f"not valid JSON: {error}") from None
    offset = _depth_within(text, MAX_JSON_DEPTH) or 0
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    raise FormatError(file, f"JSON nested more than {MAX_JSON_DEPTH} levels deep", line, f"column {column}")


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
