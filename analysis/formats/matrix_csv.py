"""Our CSV layout (what ``qsort analyze`` and the studio export use).

First row ``statement`` (or an empty cell, as R's ``write.csv`` writes it) then the participant ids; then one
row per statement: its id, then the score each participant gave it (``;`` between fields is accepted too).
Statement texts, when known, live beside it in
``<name>_statements.csv`` (``statement,text``).

::

    "statement","US1","US2"
    "sta_1",-1,2
    "sta_2",0,-1
"""
from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from ._common import FormatError, QData, Where, check_study, csv_records, parse_scores, read_text
from .statements import read_statement_texts

__all__ = ["read_matrix_csv", "write_csv", "texts_path_for", "STATEMENT_COLUMN_HEADERS"]

# The first header cell of a file with a row per statement: ours, or empty (R's write.csv of a data frame
# with row names, e.g. a qmethod dataset).
STATEMENT_COLUMN_HEADERS = ("statement", "")


def texts_path_for(path: str | os.PathLike) -> Path:
    """Where the statement texts of ``study.csv`` live: ``study_statements.csv`` beside it."""
    p = Path(path)
    return p.with_name(p.stem + "_statements.csv")


def read_matrix_csv(path: str | os.PathLike, *, text: str | None = None, encoding: str | None = None) -> QData:
    """Read our CSV layout; picks up ``<name>_statements.csv`` beside it when present.

    R's ``write.csv`` of a qmethod dataset (statements as rows, row names in the first column under an
    empty header cell) is the same layout and is read the same way.
    """
    file = str(path)
    content = read_text(path, encoding=encoding) if text is None else text
    # Excel in Dutch or Norwegian locales saves CSV with ';' between fields (R: write.csv2).
    first_line = content.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    records = csv_records(file, content, delimiter)
    while records and not any(cell.strip() for cell in records[-1][1]):
        records.pop()
    if not records:
        raise FormatError(file, "empty file")
    header = records[0][1]
    if not header or header[0].strip().lower() not in STATEMENT_COLUMN_HEADERS:
        found = header[0] if header else ""
        raise FormatError(file, f"the first header cell must be 'statement' (or empty, as R's write.csv "
                                f"writes it), found {found!r}", 1, "header")
    participant_ids = [cell.strip() for cell in header[1:]]
    if not participant_ids:
        raise FormatError(file, "no participant columns after 'statement'", 1, "header")
    participant_where = [Where(1, f"column {k + 2} (participant)") for k in range(len(participant_ids))]
    statement_ids, statement_where, scores = [], [], []
    width = len(header)
    for line, row in records[1:]:
        if not any(cell.strip() for cell in row):
            raise FormatError(file, "empty line between statements", line)
        if len(row) != width:
            raise FormatError(file, f"expected {width} fields (statement id + {width - 1} scores), "
                                    f"found {len(row)}", line)
        statement_ids.append(row[0].strip())
        statement_where.append(Where(line, "column 1 (statement)"))
        scores.append(parse_scores(row[1:], file, line, lambda c: f"column {c + 2} ({participant_ids[c]})"))
    if not statement_ids:
        raise FormatError(file, "no statement rows after the header", 1)
    sorts = np.array(scores, dtype=int)
    texts = None
    texts_file = texts_path_for(path)
    if text is None and texts_file.exists():
        texts = read_statement_texts(texts_file, statement_ids, encoding=encoding)
    return check_study(file, sorts, participant_ids, statement_ids, participant_where=participant_where,
                       statement_where=statement_where, statement_texts=texts)


def write_csv(path: str | os.PathLike, data: QData) -> list[Path]:
    """Write ``data`` in our CSV layout, plus ``<name>_statements.csv`` when it has texts.

    Returns the paths written.
    """
    path = Path(path)
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerow(["statement", *data.participant_ids])
        for sid, row in zip(data.statement_ids, np.asarray(data.sorts, dtype=int).tolist()):
            writer.writerow([sid, *row])
    written = [path]
    if data.statement_texts is not None:
        texts = texts_path_for(path)
        with open(texts, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
            writer.writerow(["statement", "text"])
            writer.writerows(zip(data.statement_ids, data.statement_texts))
        written.append(texts)
    return written
