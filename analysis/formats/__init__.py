"""Reading and writing Q-sort files.

:func:`read_sorts` reads any supported file into a :class:`QData` (scores as a statements x
participants matrix, ids, statement texts, grid); every problem raises :class:`FormatError` naming
the file, line and field. Supported formats (``format=``):

==========  ==============================================================  ==========================
name        file                                                            writer
==========  ==============================================================  ==========================
``csv``     our CSV: header ``statement,<participant ids>``, a row per       :func:`write_csv`
            statement (+ ``<name>_statements.csv`` with texts)
``pqmethod`` PQMethod ``.DAT`` (+ ``.STA`` beside it)                        :func:`write_pqmethod`
``kenq``    Ken-Q/KADE CSV: header ``ID,s1..sN``, a row per participant     :func:`write_kenq`
            (+ ``<name>_statements.txt``)
``kade``    KADE project ZIP (sorts.txt, statements.txt, pattern.txt, ...)  :func:`write_kade_zip`
``json``    Easy-HtmlQ / EQ Web Sort / Ken-Q Client JSON (``sort`` = "+2|-1|...")  (read only)
``webcsv``  EQ Web Sort (Google Sheets, Netlify) and Quince (Baserow) CSV    (read only)
            result exports: cells ``partId: P1``, ``sort: +2|-1|...``
==========  ==============================================================  ==========================

R's ``write.csv`` of a qmethod dataset (an empty first header cell, a row per statement) is our CSV layout;
a ``.zip`` that is not a KADE project may hold any of the other formats with their statements file.
Text is UTF-8, or its encoding is detected (:mod:`analysis.formats.encoding`) or given (``encoding=``).
Every reader refuses scores that are not whole numbers within -99..+99, CSV fields over 128 KiB, JSON
nested too deeply, and ZIPs that unpack to more than 64 MB (:mod:`analysis.formats.archive`).

Example
-------
>>> from analysis.formats import read_sorts
>>> data = read_sorts("tests/data/reference/lipset/pqmethod/LIPSET.DAT")     # doctest: +SKIP
>>> data.sorts.shape, data.participant_ids[:2], str(data.grid)                # doctest: +SKIP
((33, 9), ['US1', 'US2'], '-4..+4: 2,3,4,5,5,5,4,3,2')
"""
from __future__ import annotations

import os
from pathlib import Path

from ._common import (MAX_ABS_SCORE, MAX_FIELD_CHARS, FormatError, QData, csv_records, load_json,
                      read_text)
from .archive import MAX_ARCHIVE_BYTES, open_archive, read_zip
from .kenq import read_kenq_csv, write_kade_zip, write_kenq
from .matrix_csv import STATEMENT_COLUMN_HEADERS, read_matrix_csv, write_csv
from .pqmethod import read_pqmethod, write_pqmethod
from .statements import read_statement_texts
from .webjson import read_web_json
from .websort_csv import looks_like_websort_csv, read_websort_csv

__all__ = ["read_sorts", "detect_format", "FormatError", "QData", "FORMATS", "read_statement_texts",
           "write_csv", "write_pqmethod", "write_kenq", "write_kade_zip", "write_sorts", "read_text",
           "csv_records", "load_json", "open_archive", "MAX_ABS_SCORE", "MAX_FIELD_CHARS", "MAX_ARCHIVE_BYTES"]

FORMATS = ("csv", "pqmethod", "kenq", "kade", "json", "webcsv")
# How much of a file detect_format looks at (a Quince export's first row can be a few KB).
DETECT_BYTES = 64 * 1024


def detect_format(path: str | os.PathLike) -> str:
    """The format of a file, from its extension and, for ``.csv``/``.txt`` or no extension, its start.

    ``.dat`` -> pqmethod, ``.zip`` -> kade (any ZIP: see :func:`analysis.formats.archive.read_zip`),
    ``.json`` -> json; a CSV with a ``sort: ...`` cell -> webcsv (EQ Web Sort, Quince); a CSV whose first
    header cell is ``statement`` or empty (R's write.csv) -> csv (ours, a row per statement); any other CSV
    -> kenq (a row per participant).
    """
    file = str(path)
    suffix = Path(file).suffix.lower()
    by_suffix = {".dat": "pqmethod", ".zip": "kade", ".json": "json"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    try:
        with open(file, "rb") as handle:
            head = handle.read(DETECT_BYTES)
    except FileNotFoundError:
        raise FormatError(file, "no such file") from None
    except OSError as error:
        raise FormatError(file, f"cannot read: {error.strerror or error}") from None
    if head.startswith(b"PK\x03\x04"):
        return "kade"
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if text.startswith(("{", "[")):
        return "json"
    if looks_like_websort_csv(text):
        return "webcsv"
    first_line = text.splitlines()[0] if text else ""
    first_cell = first_line.replace(";", ",").split(",")[0].strip().strip('"').strip().lower()
    if first_cell in STATEMENT_COLUMN_HEADERS and ("," in first_line or ";" in first_line):
        return "csv"
    if suffix not in (".csv", ".tsv", ".txt") and first_line[:9].replace(" ", "").isdigit():
        return "pqmethod"
    return "kenq"


def read_sorts(path: str | os.PathLike, format: str | None = None, *,
               statements: str | os.PathLike | None = None, encoding: str | None = None) -> QData:
    """Read Q-sorts from a file.

    Parameters
    ----------
    path : path of the file
    format : one of :data:`FORMATS`, or None to detect it (:func:`detect_format`)
    statements : optional file with the statement texts (``.STA``/``.txt``: one per line;
        ``.csv``: ``statement,text``); replaces the texts found beside the data file.
    encoding : the text encoding of the files (e.g. ``"shift_jis"``); None: UTF-8, else detected, else a
        FormatError asking for it.

    Returns
    -------
    QData
        ``sorts`` (n_statements, n_participants) int, ids in file order, texts, grid (stated by
        the file, else inferred when all sorts share one distribution, else None = free).

    Raises
    ------
    FormatError
        naming the file, line and field: empty file, wrong header, ragged row, non-numeric score,
        duplicate participant or statement id, a sort that does not fit the file's grid, ...
    """
    file = str(path)
    if not os.path.exists(file):
        raise FormatError(file, "no such file")
    if os.path.isdir(file):
        raise FormatError(file, "is a folder, not a file")
    fmt = format or detect_format(file)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    if fmt == "csv":
        data = read_matrix_csv(file, encoding=encoding)
    elif fmt == "kade":
        data = read_zip(file, encoding=encoding)
    else:
        reader = {"pqmethod": read_pqmethod, "kenq": read_kenq_csv, "json": read_web_json,
                  "webcsv": read_websort_csv}[fmt]
        data = reader(file, statements=statements, encoding=encoding)
        statements = None
    if statements is not None:
        data = data.with_statement_texts(read_statement_texts(statements, data.statement_ids, encoding=encoding))
    return data


def write_sorts(path: str | os.PathLike, data: QData, format: str) -> list[Path]:
    """Write ``data`` in one of the writable formats (csv, pqmethod, kenq, kade)."""
    writers = {"csv": write_csv, "pqmethod": write_pqmethod, "kenq": write_kenq, "kade": write_kade_zip}
    if format not in writers:
        raise ValueError(f"cannot write format {format!r}; use one of {', '.join(writers)}")
    return writers[format](path, data)
