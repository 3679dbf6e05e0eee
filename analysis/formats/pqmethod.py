"""PQMethod ``.DAT`` (Q-sorts) and ``.STA`` (statement texts) files.

``.DAT`` is fixed-width text::

      0  9 33 Lipset Study (PQMETHOD testfile; cf. Brown, 1980, pp. 183ff.)
     -4  4  0  0  2  3  4  5  5  5  4  3  2  0  0  0  0  0  0  0  0  0
    US1       -1 0-2 0-2 1 0-1 0-1 1 1 2 3-1-4-3-3-1-4 3 2 3 1 1 0 4 2 2-3-2-2 4

- line 1: columns 1-3 unused (``0``), 4-6 the number of Q-sorts, 7-9 the number of statements,
  then the study title;
- line 2: 3-character fields: the lowest and highest score, then 20 column heights for the scores
  -6, -5, ..., +13 (the forced distribution; KADE reads the same 20 slots);
- then one record per Q-sort: a 10-character label, then one 2-character score per statement.
  A record longer than one line continues on the next line(s); a continuation line either carries
  scores from its first column or repeats the 10-character label area (blank or the same label).

Statement ids are ``sta_1 .. sta_n`` (as R qmethod's ``import.pqmethod``), participant ids the
labels. ``.STA`` holds one statement per line, in statement order.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..grid import Grid
from ._common import FormatError, QData, Where, check_study, parse_score
from .source import SourceLike, as_source, is_path, target_path, write_target
from .statements import statement_lines_bytes, statement_texts_for

__all__ = ["read_pqmethod", "write_pqmethod"]

LABEL_WIDTH = 10
SCORE_WIDTH = 2
GRID_SLOTS = 20          # heights for scores -6 .. +13
GRID_FIRST_SCORE = -6


def _header_number(file: str, line: str, start: int, what: str) -> int:
    cell = line[start:start + 3]
    try:
        return int(cell)
    except ValueError:
        raise FormatError(file, f"expected the number of {what} in columns {start + 1}-{start + 3}, "
                                f"found {cell!r}", 1, f"number of {what}") from None


def _parse_grid(file: str, line: str, n_statements: int) -> Grid:
    cells = [line[i:i + 3] for i in range(0, len(line.rstrip()), 3)]
    try:
        numbers = [int(cell) for cell in cells]
    except ValueError:
        raise FormatError(file, "the grid line must hold 3-character numbers "
                                "(lowest score, highest score, 20 column heights)", 2, "grid") from None
    if len(numbers) < 3:
        raise FormatError(file, "the grid line needs the lowest and highest score and the column heights",
                          2, "grid")
    lowest, highest, slots = numbers[0], numbers[1], numbers[2:]
    if not GRID_FIRST_SCORE <= lowest < highest <= GRID_FIRST_SCORE + GRID_SLOTS - 1:
        raise FormatError(file, f"score range {lowest}..{highest} is not within -6..+13", 2, "grid")
    slots = slots + [0] * (GRID_SLOTS - len(slots))
    first, last = lowest - GRID_FIRST_SCORE, highest - GRID_FIRST_SCORE
    outside = [GRID_FIRST_SCORE + i for i, h in enumerate(slots) if h and not first <= i <= last]
    if outside:
        raise FormatError(file, f"column heights given for scores outside {lowest}..{highest}: {outside}",
                          2, "grid")
    heights = slots[first:last + 1]
    if sum(heights) != n_statements:
        raise FormatError(file, f"the column heights add up to {sum(heights)}, the header says "
                                f"{n_statements} statements", 2, "grid")
    return Grid.from_range(lowest, heights)


def read_pqmethod(source: SourceLike, *, statements: SourceLike | None = None,
                  encoding: str | None = None) -> QData:
    """Read a PQMethod ``.DAT`` (and the ``.STA`` beside it, or ``statements``).

    ``source`` and ``statements``: a path, bytes or a binary file object (:func:`analysis.formats.source.as_source`).
    """
    source = as_source(source)
    file = source.name
    lines = source.text(encoding).splitlines()
    while lines and lines[-1].strip() == "":
        lines.pop()
    if not lines:
        raise FormatError(file, "empty file")
    if len(lines) < 3:
        raise FormatError(file, "a .DAT file needs a header line, a grid line and at least one Q-sort",
                          len(lines))
    header = lines[0]
    n_sorts = _header_number(file, header, 3, "Q-sorts")
    n_statements = _header_number(file, header, 6, "statements")
    if n_statements < 1:
        raise FormatError(file, f"the header says {n_statements} statements", 1, "number of statements")
    title = header[9:].strip() or None
    grid = _parse_grid(file, lines[1], n_statements)

    labels, label_lines, records = [], [], []
    k = 2
    while k < len(lines):
        line = lines[k]
        if line.strip() == "":
            raise FormatError(file, "blank line between Q-sorts", k + 1)
        label = line[:LABEL_WIDTH].strip()
        if not label:
            raise FormatError(file, "Q-sort without a label (columns 1-10 are blank)", k + 1, "label")
        start_line = k + 1
        scores = _scores_from(file, line, LABEL_WIDTH, k + 1, 0, n_statements, label)
        k += 1
        while len(scores) < n_statements:
            if k >= len(lines) or lines[k].strip() == "":
                raise FormatError(file, f"Q-sort {label!r} has {len(scores)} scores, expected {n_statements}",
                                  k, "scores")
            cont = lines[k]
            label_area = cont[:LABEL_WIDTH].strip()
            # A continuation line may repeat the label area (blank or the same label); a label
            # area with anything but score characters starts the next Q-sort: this one is short.
            if label_area not in ("", label) and re.search(r"[^0-9+\- ]", label_area):
                raise FormatError(file, f"Q-sort {label!r} has {len(scores)} scores, expected {n_statements}",
                                  start_line, "scores")
            offset = LABEL_WIDTH if label_area in ("", label) else 0
            scores += _scores_from(file, cont, offset, k + 1, len(scores), n_statements, label)
            k += 1
        labels.append(label)
        label_lines.append(start_line)
        records.append(scores)

    if len(records) != n_sorts:
        raise FormatError(file, f"the header says {n_sorts} Q-sorts, the file holds {len(records)}",
                          1, "number of Q-sorts")
    sorts = np.array(records, dtype=int).T
    statement_ids = [f"sta_{i}" for i in range(1, n_statements + 1)]
    texts = statement_texts_for(source, statements, statement_ids, encoding,
                                *(source.stem + suffix for suffix in (".STA", ".sta", ".Sta")))
    return check_study(file, sorts, labels, statement_ids,
                       participant_where=[Where(n, "label") for n in label_lines],
                       statement_where=[Where(None, f"statement {i}") for i in range(1, n_statements + 1)],
                       grid=grid, grid_where=Where(2, "grid"), statement_texts=texts, title=title)


def _scores_from(file: str, line: str, offset: int, line_number: int, done: int, n_statements: int,
                 label: str) -> list[int]:
    """The 2-character scores on ``line`` from column ``offset``, at most those still missing."""
    body = line[offset:].rstrip()
    if len(body) % SCORE_WIDTH:
        raise FormatError(file, f"the scores take {len(body)} characters, not a multiple of "
                                f"{SCORE_WIDTH}: a score is missing a character or has one too many",
                          line_number, f"columns {offset + 1}-{offset + len(body)} of {label!r}")
    scores = []
    for i in range(0, len(body), SCORE_WIDTH):
        statement = done + len(scores) + 1
        column = offset + i + 1
        cell = body[i:i + SCORE_WIDTH]
        if statement > n_statements:
            if body[i:].strip():
                raise FormatError(file, f"more than {n_statements} scores", line_number,
                                  f"columns {column}-{offset + len(body)}")
            break
        scores.append(parse_score(cell, file, line_number,
                                  f"statement {statement} (columns {column}-{column + 1}) of {label!r}"))
    return scores


def write_pqmethod(target, data: QData, *, title: str | None = None, statements=None) -> list[Path]:
    """Write ``data`` as a PQMethod ``.DAT`` and, when it has statement texts, the ``.STA``.

    Parameters
    ----------
    target : path or binary file object
        Where the ``.DAT`` goes.
    title : str, optional
        The header's title; default the study's title, else the file name's stem.
    statements : path or binary file object, optional
        Where the ``.STA`` goes; default for a path target: beside it (``LIPSET.DAT`` -> ``LIPSET.STA``); a
        file-object target gets no ``.STA`` unless this is given.

    Returns
    -------
    list of Path : the files written on disk (none for file objects).

    PQMethod needs a forced distribution within -6..+13, labels of at most 10 characters and
    scores of at most 2 characters; anything else raises ``ValueError`` rather than being cut.
    Each Q-sort is written on one line (as PQMethod, KADE and R qmethod read them).
    """
    path = target_path(target)
    grid = data.grid
    if grid is None:
        raise ValueError("PQMethod files need a forced distribution; this study's sorts do not share one")
    scores = list(range(grid.min_score, grid.max_score + 1))
    if grid.min_score < GRID_FIRST_SCORE or grid.max_score > GRID_FIRST_SCORE + GRID_SLOTS - 1:
        raise ValueError(f"PQMethod grids run within -6..+13, this one is {grid}")
    long_ids = [pid for pid in data.participant_ids if len(pid) > LABEL_WIDTH]
    if long_ids:
        raise ValueError(f"PQMethod labels hold at most {LABEL_WIDTH} characters: "
                         f"{', '.join(repr(p) for p in long_ids[:3])} {'...' if len(long_ids) > 3 else ''}")
    if data.n_participants > 999 or data.n_statements > 999:
        raise ValueError("PQMethod's header holds at most 999 Q-sorts and 999 statements")
    name = title if title is not None else (data.title or path.stem)
    slots = [0] * GRID_SLOTS
    for score in scores:
        slots[score - GRID_FIRST_SCORE] = grid.height(score)
    lines = [f"{0:3d}{data.n_participants:3d}{data.n_statements:3d} {name}",
             f"{grid.min_score:3d}{grid.max_score:3d}" + "".join(f"{h:3d}" for h in slots)]
    for j, pid in enumerate(data.participant_ids):
        lines.append(f"{pid:<{LABEL_WIDTH}}" + "".join(f"{int(s):2d}" for s in data.sorts[:, j]))
    written = [write_target(target, ("\r\n".join(lines) + "\r\n").encode("utf-8"))]
    if data.statement_texts is not None and (statements is not None or is_path(target)):
        sta = statements if statements is not None else \
            path.with_suffix(".STA" if path.suffix.isupper() or path.suffix == "" else ".sta")
        written.append(write_target(sta, statement_lines_bytes(data.statement_texts)))
    return [p for p in written if p is not None]
