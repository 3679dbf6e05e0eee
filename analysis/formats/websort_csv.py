"""CSV result exports of EQ Web Sort and Quince: a row per participant whose cells are labelled values.

Three variants, all read by :func:`read_websort_csv`:

- **Quince** (its Baserow table, exported as CSV): header ``id,r1,r2,...``; cells ``(randomId): 3f2a...``,
  ``(partId): P7``, ..., ``sort: -3|2|0|...`` (and ``presortTrace: ...``, questionnaire answers);
- **EQ Web Sort, Google Sheets** (Stein): header ``1,2,3,...``; cells ``partId: P7``,
  ``randomId: 3f2a...``, ..., ``sort: -3|2|0|...``;
- **EQ Web Sort, Netlify forms**: one cell holds every value, ``partId:| P7 | randomId:| 3f2a... | ...
  sort:| -3|2|0|... |``.

The scores of statement 1, 2, ... are the ``sort`` value, separated by ``|``. Participant ids: as for the
JSON exports (:data:`analysis.formats.webjson.ID_FIELDS`: ``randomId``, ``partId``, ... the first that every
participant has and that is unique), else ``P1, P2, ...``. Statement ids are ``s1 .. sN``; texts come from
``<name>_statements.txt`` beside the file or a file given explicitly. A first row without a ``sort`` cell
is a header.

Example
-------
>>> import os, pathlib, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "quince.csv")
>>> _ = pathlib.Path(path).write_text('id,r1,r2,r3\\n1,(randomId): a1,(partId): P1,sort: -1|0|1\\n'
...                                   '2,(randomId): b2,(partId): P2,sort: 1|0|-1\\n')
>>> data = read_websort_csv(path)
>>> data.participant_ids, data.sorts[:, 0].tolist()
(['a1', 'b2'], [-1, 0, 1])
"""
from __future__ import annotations

import re

import numpy as np

from ._common import FormatError, QData, Where, check_study, csv_delimiter, csv_records, parse_scores
from .kenq import kenq_texts_path_for
from .source import SourceLike, as_source
from .statements import statement_texts_for
from .webjson import participant_ids_of

__all__ = ["read_websort_csv", "looks_like_websort_csv"]

# "sort: -3|2" (Sheets, Quince) or "sort:| -3|2" (Netlify) at the start of a cell or after a "| ".
SORT_CELL = re.compile(r"(?:^|[,;\t\"]|\| )\s*sort:\|?\s*[+-]?\d", re.MULTILINE)
# One labelled cell: "label: value" or "(label): value".
LABELLED = re.compile(r"^\s*\(?([A-Za-z][\w./ -]{0,60}?)\)?:\s?(.*)$", re.DOTALL)
# A key inside a Netlify cell: "label:| " at the start or after " | ".
NETLIFY_KEY = re.compile(r"(?:^|\| )([A-Za-z][\w./() -]{0,60}?):\| ?")


def looks_like_websort_csv(head: str) -> bool:
    """Whether the start of a CSV holds a ``sort: ...`` cell of an EQ Web Sort or Quince export."""
    return SORT_CELL.search(head) is not None


def _netlify_values(cell: str) -> dict[str, str]:
    keys = list(NETLIFY_KEY.finditer(cell))
    values = {}
    for k, match in enumerate(keys):
        end = keys[k + 1].start() if k + 1 < len(keys) else len(cell)
        values.setdefault(match.group(1).strip(), cell[match.end():end].strip().rstrip("|").strip())
    return values


def _record(row: list[str]) -> dict[str, str]:
    """The labelled values of one row (the first of each label counts)."""
    values: dict[str, str] = {}
    for cell in row:
        if ":|" in cell:
            for label, value in _netlify_values(cell).items():
                values.setdefault(label, value)
            continue
        match = LABELLED.match(cell)
        if match:
            values.setdefault(match.group(1).strip(), match.group(2).strip())
    return values


def read_websort_csv(source: SourceLike, *, statements: SourceLike | None = None,
                     encoding: str | None = None) -> QData:
    """Read a CSV result export of EQ Web Sort (Google Sheets or Netlify) or Quince (Baserow).

    ``source`` and ``statements``: a path, bytes or a binary file object."""
    source = as_source(source)
    file, text = source.name, source.text(encoding)
    rows = [(line, row) for line, row in csv_records(file, text, csv_delimiter(text)) if any(c.strip() for c in row)]
    if not rows:
        raise FormatError(file, "empty file")
    records = [(line, _record(row)) for line, row in rows]
    if "sort" not in records[0][1]:
        records = records[1:]                           # the header: column names, no values
    if not records:
        raise FormatError(file, "no participant rows after the header (a row with a 'sort: ...' cell)", 1)
    for line, record in records:
        if "sort" not in record:
            raise FormatError(file, "row without a 'sort: ...' cell (the scores of statement 1, 2, ...)", line)
    ids = participant_ids_of([record for _, record in records]) or [f"P{k}" for k in range(1, len(records) + 1)]
    n_statements, columns = None, []
    for (line, record), pid in zip(records, ids):
        cells = record["sort"].split("|")
        field = f"'sort' of participant {pid!r}"
        if n_statements is None:
            n_statements = len(cells)
        elif len(cells) != n_statements:
            raise FormatError(file, f"{len(cells)} scores, the first participant has {n_statements}", line, field)
        columns.append(parse_scores(cells, file, line, lambda i: f"{field}, statement {i + 1}"))
    statement_ids = [f"s{i}" for i in range(1, n_statements + 1)]
    texts = statement_texts_for(source, statements, statement_ids, encoding, kenq_texts_path_for(source.stem).name)
    return check_study(file, np.array(columns, dtype=int).T, ids, statement_ids,
                       participant_where=[Where(line, f"participant {pid!r}") for (line, _), pid in zip(records, ids)],
                       statement_where=[Where(None, f"statement {i}") for i in range(1, n_statements + 1)],
                       statement_texts=texts)
