"""Ken-Q Analysis / KADE files: the CSV of Q-sorts (one row per participant) with a statements
``.txt``, and the KADE project ZIP.

Ken-Q CSV::

    ID,s1,s2,s3
    US1,-1,0,1
    US2,1,-1,0

The first header cell names the id column (any text); the others are the statement ids. Statement
texts, one per line in statement order, come from ``<name>_statements.txt`` beside the CSV (or a
file given explicitly).

KADE ZIP (what KADE's "load project" reads): ``sorts.txt`` (``id,score,score,...`` per line, no
header; ``;`` also accepted), ``statements.txt`` (one per line), ``pattern.txt`` (20 column heights
for the scores -6 .. +13, comma-separated, the grid) and ``name.txt`` (the project name). Files may
sit in a folder inside the archive. KADE statement ids are ``s1 .. sN``.
"""
from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path

import numpy as np

from ..grid import Grid
from ._common import FormatError, QData, Where, check_study, csv_delimiter, csv_records, parse_score_block, read_text
from .source import SourceLike, as_source, is_path, target_path, write_target
from .statements import statement_lines, statement_lines_bytes, statement_texts_for

__all__ = ["read_kenq_csv", "write_kenq", "read_kade_zip", "write_kade_zip", "kenq_texts_path_for", "zip_members"]

PATTERN_FIRST_SCORE = -6
PATTERN_SLOTS = 20


def kenq_texts_path_for(path: str | os.PathLike) -> Path:
    """``study.csv`` -> ``study_statements.txt`` (where a Ken-Q CSV's statement texts live)."""
    p = Path(path)
    return p.with_name(p.stem + "_statements.txt")


def _is_number(cell: str) -> bool:
    return re.fullmatch(r"\s*[+-]?\d+(\.0*)?\s*", cell) is not None


def _participant_rows(file: str, text: str, *,
                      header: bool | None) -> tuple[list[str], list[str], np.ndarray, list[int]]:
    """Parse ``id,score,...`` rows. ``header``: True (required), False (none), None (detect).

    Returns statement ids (None entries replaced by ``s1..``), participant ids, sorts
    (n_statements x n_participants) and each participant's line number.
    """
    records = csv_records(file, text, csv_delimiter(text))
    while records and not any(cell.strip() for cell in records[-1][1]):
        records.pop()
    if not records:
        raise FormatError(file, "empty file")
    first = records[0][1]
    has_header = header if header is not None else not all(_is_number(c) for c in first[1:] if c.strip())
    if has_header:
        statement_ids = [cell.strip() for cell in first[1:]]
        if not statement_ids:
            raise FormatError(file, "no statement columns after the id column", 1, "header")
        for c, sid in enumerate(statement_ids):
            if sid == "":
                raise FormatError(file, "empty statement id in the header", 1, f"column {c + 2}")
        seen = {}
        for c, sid in enumerate(statement_ids):
            if sid in seen:
                raise FormatError(file, f"duplicate statement id {sid!r} (first in column {seen[sid] + 2})",
                                  1, f"column {c + 2}")
            seen[sid] = c
        body = records[1:]
    else:
        statement_ids = [f"s{i}" for i in range(1, len(first))]
        body = records
    width = len(statement_ids) + 1
    participant_ids, cells, line_numbers = [], [], []
    for line, row in body:
        if len(row) != width:
            if not any(cell.strip() for cell in row):
                raise FormatError(file, "empty line between Q-sorts", line)
            raise FormatError(file, f"expected {width} fields (id + {width - 1} scores), found {len(row)}", line)
        participant_ids.append(row[0].strip())
        cells.append(row[1:])
        line_numbers.append(line)
    if not cells:
        raise FormatError(file, "no Q-sorts after the header", 1)
    _check_id_column(file, participant_ids, line_numbers)
    scores = parse_score_block(cells, file, line_numbers, lambda c: f"column {c + 2} ({statement_ids[c]})")
    return statement_ids, participant_ids, scores.T, line_numbers


def _check_id_column(file: str, participant_ids: list[str], lines: list[int]) -> None:
    """Refuse, with a hint, a first column of repeated numbers: scores, not ids, i.e. a file with a row per
    statement and no id column (R's ``write.csv(..., row.names = FALSE)``), which would be read transposed."""
    if len(set(participant_ids)) == len(participant_ids) or not all(_is_number(p) for p in participant_ids):
        return
    first = {}
    for pid, line in zip(participant_ids, lines):
        if pid in first:
            raise FormatError(file, f"the first column repeats {pid!r} (first on line {first[pid]}): it holds "
                                    "scores, not participant ids. A file with a row per statement needs a first "
                                    "column of statement ids, headed 'statement' (or empty, as R's write.csv "
                                    "writes it)", line, "column 1")
        first[pid] = line


def read_kenq_csv(source: SourceLike, *, statements: SourceLike | None = None,
                  encoding: str | None = None) -> QData:
    """Read a Ken-Q/KADE CSV (one row per participant, header ``ID,s1..sN``).

    ``source`` and ``statements``: a path, bytes or a binary file object."""
    source = as_source(source)
    file = source.name
    statement_ids, participant_ids, sorts, lines = _participant_rows(file, source.text(encoding), header=True)
    texts = statement_texts_for(source, statements, statement_ids, encoding, kenq_texts_path_for(source.stem).name)
    return check_study(file, sorts, participant_ids, statement_ids,
                       participant_where=[Where(n, "column 1 (participant)") for n in lines],
                       statement_where=[Where(1, f"column {c + 2}") for c in range(len(statement_ids))],
                       statement_texts=texts)


def _sort_rows(data: QData) -> io.StringIO:
    """``id,score,score,...``: a row per participant (Ken-Q's CSV body, KADE's sorts.txt)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for j, pid in enumerate(data.participant_ids):
        writer.writerow([pid, *(int(s) for s in data.sorts[:, j])])
    return out


def write_kenq(target, data: QData, *, statements=None) -> list[Path]:
    """Write a Ken-Q CSV (``ID,<statement ids>``, a row per participant) and, when the study has
    texts, ``<name>_statements.txt``.

    ``target`` and ``statements``: a path or a binary file object; the texts go to ``statements``, by default
    (path targets only) beside the CSV. Returns the files written on disk (none for file objects).
    """
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(["ID", *data.statement_ids])
    written = [write_target(target, (header.getvalue() + _sort_rows(data).getvalue()).encode("utf-8"))]
    if data.statement_texts is not None and (statements is not None or is_path(target)):
        texts = statements if statements is not None else kenq_texts_path_for(target)
        written.append(write_target(texts, statement_lines_bytes(data.statement_texts)))
    return [p for p in written if p is not None]


# -- KADE ZIP ------------------------------------------------------------------------------------
def zip_members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Lower-case base name -> member name, ignoring folders and macOS metadata."""
    members = {}
    for name in archive.namelist():
        base = name.rsplit("/", 1)[-1]
        if not base or name.startswith("__MACOSX/") or base.startswith("."):
            continue
        members.setdefault(base.lower(), name)
    return members


def _pattern_grid(file: str, text: str) -> Grid:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise FormatError(file, "empty pattern file")
    cells = [c for c in re.split(r"[,;\s]+", lines[0].strip()) if c]
    try:
        slots = [int(c) for c in cells]
    except ValueError:
        raise FormatError(file, f"column heights must be whole numbers, found {lines[0].strip()!r}", 1) from None
    if len(slots) != PATTERN_SLOTS or any(h < 0 for h in slots) or not any(slots):
        raise FormatError(file, f"expected {PATTERN_SLOTS} column heights (scores -6..+13), "
                                f"found {len(slots)}", 1, "pattern")
    used = [i for i, h in enumerate(slots) if h]
    first, last = used[0], used[-1]
    return Grid.from_range(PATTERN_FIRST_SCORE + first, slots[first:last + 1])


def read_kade_zip(source: SourceLike, *, encoding: str | None = None) -> QData:
    """Read a KADE project ZIP (``sorts.txt``, ``statements.txt``, ``pattern.txt``, ``name.txt``).

    ``source``: a path, bytes or a binary file object. The archive must stay within
    :data:`analysis.formats.archive.MAX_ARCHIVE_BYTES` unpacked.
    """
    from .archive import member_bytes, open_archive

    source = as_source(source)
    file = source.name
    with open_archive(source) as archive:
        members = zip_members(archive)

        def member_text(base: str) -> tuple[str, str] | None:
            name = members.get(base)
            if name is None:
                return None
            shown = f"{file}!{name}"
            return shown, read_text(shown, member_bytes(file, archive, name), encoding=encoding)

        sorts_member = member_text("sorts.txt")
        if sorts_member is None:
            raise FormatError(file, "no sorts.txt in the archive (a KADE project ZIP holds sorts.txt, "
                                    "statements.txt, pattern.txt and name.txt)")
        sorts_file, sorts_text = sorts_member
        statement_ids, participant_ids, sorts, lines = _participant_rows(sorts_file, sorts_text, header=None)
        texts = None
        statements_member = member_text("statements.txt")
        if statements_member is not None:
            texts = statement_lines(*statements_member, n_statements=len(statement_ids))
        grid = None
        pattern_member = member_text("pattern.txt")
        if pattern_member is not None:
            grid = _pattern_grid(*pattern_member)
        title = None
        name_member = member_text("name.txt")
        if name_member is not None:
            title = name_member[1].strip() or None
    return check_study(sorts_file, sorts, participant_ids, statement_ids,
                       participant_where=[Where(n, "participant") for n in lines],
                       statement_where=[Where(None, f"statement {c + 1}") for c in range(len(statement_ids))],
                       grid=grid, grid_where=Where(1, f"{file}!pattern.txt"), statement_texts=texts,
                       title=title)


def write_kade_zip(target, data: QData, *, title: str | None = None) -> list[Path]:
    """Write a KADE project ZIP to a path or a binary file object. Without statement texts, ``statements.txt``
    lists the statement ids (KADE needs the file); without a forced grid there is no ``pattern.txt`` (a free
    distribution). ``title`` (name.txt): default the study's title, else the file name's stem. Returns the
    files written on disk (none for a file object)."""
    sorts = _sort_rows(data)
    texts = data.statement_texts if data.statement_texts is not None else data.statement_ids
    pattern = None
    if data.grid is not None:
        grid = data.grid
        if grid.min_score < PATTERN_FIRST_SCORE or grid.max_score >= PATTERN_FIRST_SCORE + PATTERN_SLOTS:
            raise ValueError(f"KADE grids run within -6..+13, this one is {grid}")
        pattern = ",".join(str(grid.height(PATTERN_FIRST_SCORE + i)) for i in range(PATTERN_SLOTS)) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("sorts.txt", sorts.getvalue())
        archive.writestr("statements.txt", statement_lines_bytes(texts))
        if pattern is not None:
            archive.writestr("pattern.txt", pattern)
        archive.writestr("name.txt", (title or data.title or target_path(target).stem) + "\n")
    written = write_target(target, buffer.getvalue())
    return [] if written is None else [written]
