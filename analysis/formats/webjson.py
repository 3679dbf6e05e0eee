"""Easy-HtmlQ / EQ Web Sort / Ken-Q Client JSON exports (e.g. a Firebase export).

The file holds participant records, either as a JSON list or as an object keyed by record id
(Firebase push ids), each with a ``sort`` string: the score of statement 1, 2, ... separated by
``|``, e.g. ``"+3|+1|-2|+0"``. Other fields (comments, questionnaire answers) are ignored.

Participant ids: the first of ``randomId``, ``partId``, ``participantId``, ``usercode``, ``userId``,
``name``, ``id`` that every record has and that is unique across records; else the record keys
(object form) or ``P1, P2, ...`` (list form). Statement ids are ``s1 .. sN``; texts come from
``<name>_statements.txt`` beside the file or a file given explicitly.
"""
from __future__ import annotations

import numpy as np

from ._common import FormatError, QData, Where, check_study, load_json, parse_scores
from .kenq import kenq_texts_path_for
from .source import SourceLike, as_source
from .statements import statement_texts_for

__all__ = ["read_web_json", "ID_FIELDS", "participant_ids_of"]

ID_FIELDS = ("randomId", "partId", "participantId", "usercode", "userId", "name", "id")


def _unwrapped(data):
    """Some exports wrap the records a level or two down (e.g. ``{"responses": {...}}``): the records."""
    for _level in range(3):
        if not isinstance(data, dict) or "sort" in data or len(data) != 1:
            break
        inner = next(iter(data.values()))
        if not (isinstance(inner, list) or isinstance(inner, dict) and all(isinstance(v, dict)
                                                                            for v in inner.values())):
            break
        data = inner
    return data


def _records(file: str, data) -> list[tuple[str, dict]]:
    data = _unwrapped(data)
    if isinstance(data, list):
        items = [(f"P{k + 1}", record) for k, record in enumerate(data)]
        where = "record {}"
    elif isinstance(data, dict):
        items = list(data.items())
        where = "record {!r}"
    else:
        raise FormatError(file, "expected a JSON object or list of participant records")
    records = []
    for k, (key, record) in enumerate(items):
        label = where.format(k + 1 if isinstance(data, list) else key)
        if not isinstance(record, dict) or "sort" not in record:
            raise FormatError(file, "participant record without a 'sort' field", None, label)
        records.append((str(key), record))
    if not records:
        raise FormatError(file, "no participant records")
    return records


def participant_ids_of(records: list[dict]) -> list[str] | None:
    """The values of the first of :data:`ID_FIELDS` that every record has and that is unique, or None."""
    for name in ID_FIELDS:
        values = [record.get(name) for record in records]
        if all(isinstance(v, (str, int)) and str(v).strip() for v in values):
            ids = [str(v).strip() for v in values]
            if len(set(ids)) == len(ids):
                return ids
    return None


def _participant_ids(records: list[tuple[str, dict]]) -> list[str]:
    return participant_ids_of([record for _, record in records]) or [key for key, _ in records]


def read_web_json(source: SourceLike, *, statements: SourceLike | None = None,
                  encoding: str | None = None) -> QData:
    """Read an Easy-HtmlQ / EQ Web Sort / Ken-Q Client JSON export.

    ``source`` and ``statements``: a path, bytes or a binary file object."""
    source = as_source(source)
    file, text = source.name, source.text(encoding)
    if not text.strip():
        raise FormatError(file, "empty file")
    data = load_json(file, text)
    records = _records(file, data)
    participant_ids = _participant_ids(records)
    n_statements = None
    columns, where = [], []
    for (key, record), pid in zip(records, participant_ids):
        field = f"'sort' of participant {pid!r}"
        raw = record["sort"]
        if isinstance(raw, list) and all(isinstance(v, (int, float, str)) for v in raw):
            cells = [str(v) for v in raw]         # some exports store the scores as a JSON list
        elif isinstance(raw, str):
            cells = raw.split("|")
        else:
            raise FormatError(file, "'sort' must be a string of scores separated by '|'", None, field)
        if n_statements is None:
            n_statements = len(cells)
        elif len(cells) != n_statements:
            raise FormatError(file, f"{len(cells)} scores, the first record has {n_statements}", None, field)
        columns.append(parse_scores(cells, file, None, lambda i: f"{field}, statement {i + 1}"))
        where.append(Where(None, f"participant {pid!r} (record {key!r})"))
    statement_ids = [f"s{i}" for i in range(1, n_statements + 1)]
    texts = statement_texts_for(source, statements, statement_ids, encoding, kenq_texts_path_for(source.stem).name)
    return check_study(file, np.array(columns, dtype=int).T, participant_ids, statement_ids,
                       participant_where=where,
                       statement_where=[Where(None, f"statement {i}") for i in range(1, n_statements + 1)],
                       statement_texts=texts)
