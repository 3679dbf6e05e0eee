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
import io
import os
from pathlib import Path

import numpy as np

from ._common import FormatError, QData, Where, check_study, csv_delimiter, csv_records, parse_scores
from .source import SourceLike, as_source, is_path, write_target
from .statements import statement_texts_for

__all__ = ["read_matrix_csv", "write_csv", "texts_path_for", "STATEMENT_COLUMN_HEADERS"]

# The first header cell of a file with a row per statement: ours, or empty (R's write.csv of a data frame
# with row names, e.g. a qmethod dataset).
STATEMENT_COLUMN_HEADERS = ("statement", "")


def texts_path_for(path: str | os.PathLike) -> Path:
    """Where the statement texts of ``study.csv`` live: ``study_statements.csv`` beside it."""
    p = Path(path)
    return p.with_name(p.stem + "_statements.csv")


def read_matrix_csv(source: SourceLike, *, encoding: str | None = None) -> QData:
    """Read our CSV layout; picks up ``<name>_statements.csv`` beside it when present.

    ``source``: a path, bytes or a binary file object. R's ``write.csv`` of a qmethod dataset (statements as
    rows, row names in the first column under an empty header cell) is the same layout and is read the same way.
    """
    source = as_source(source)
    file = source.name
    content = source.text(encoding)
    records = csv_records(file, content, csv_delimiter(content))   # ';' from Excel in nl/nb locales
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
    texts = statement_texts_for(source, None, statement_ids, encoding, texts_path_for(source.stem).name)
    return check_study(file, sorts, participant_ids, statement_ids, participant_where=participant_where,
                       statement_where=statement_where, statement_texts=texts)


def _csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def write_csv(target, data: QData, *, statements=None) -> list[Path]:
    """Write ``data`` in our CSV layout, plus ``<name>_statements.csv`` when it has texts.

    Parameters
    ----------
    target : path or binary file object
    data : QData
    statements : path or binary file object, optional
        Where the texts go; default for a path target: ``<name>_statements.csv`` beside it; a file-object
        target gets no texts file unless this is given.

    Returns
    -------
    list of Path : the files written on disk (none for file objects).

    Example
    -------
    >>> import io
    >>> from analysis.formats import read_sorts
    >>> data = read_sorts(b"statement,P1,P2\\ns1,-1,1\\ns2,1,-1\\n", name="in.csv")
    >>> out = io.BytesIO(); write_csv(out, data)
    []
    >>> out.getvalue().decode().splitlines()[0]
    '"statement","P1","P2"'
    """
    rows = [["statement", *data.participant_ids],
            *([sid, *row] for sid, row in zip(data.statement_ids, np.asarray(data.sorts, dtype=int).tolist()))]
    written = [write_target(target, _csv_bytes(rows))]
    if data.statement_texts is not None and (statements is not None or is_path(target)):
        texts = statements if statements is not None else texts_path_for(target)
        written.append(write_target(texts, _csv_bytes([["statement", "text"],
                                                       *zip(data.statement_ids, data.statement_texts)])))
    return [p for p in written if p is not None]
