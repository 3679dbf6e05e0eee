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

Every reader takes a path, the file's bytes or a binary file object (:mod:`analysis.formats.source`; ``name=``
names bytes for errors and format detection); every writer writes to a path or a binary file object, and
:func:`sorts_files` returns a format's files as bytes. Uploads and exports never pass through a temporary folder.

Example
-------
>>> import io
>>> from analysis.formats import read_sorts, sorts_files, write_sorts
>>> data = read_sorts("tests/data/reference/lipset/pqmethod/LIPSET.DAT")     # doctest: +SKIP
>>> data.sorts.shape, data.participant_ids[:2], str(data.grid)                # doctest: +SKIP
((33, 9), ['US1', 'US2'], '-4..+4: 2,3,4,5,5,5,4,3,2')
>>> data = read_sorts(b"ID,s1,s2,s3\\nP1,-1,0,1\\nP2,1,0,-1\\n", name="upload.csv")
>>> data.participant_ids, data.grid_source
(['P1', 'P2'], 'inferred')
>>> out = io.BytesIO(); write_sorts(out, data, "pqmethod")
[]
>>> read_sorts(out.getvalue(), "pqmethod").participant_ids
['P1', 'P2']
>>> sorted(sorts_files(data, "kenq", "study"))
['study.csv']
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from ._common import (MAX_ABS_SCORE, MAX_FIELD_CHARS, FormatError, QData, csv_records, load_json,
                      read_text)
from .archive import MAX_ARCHIVE_BYTES, open_archive, read_zip
from .kenq import read_kenq_csv, write_kade_zip, write_kenq
from .matrix_csv import STATEMENT_COLUMN_HEADERS, read_matrix_csv, write_csv
from .pqmethod import read_pqmethod, write_pqmethod
from .source import Source, SourceLike, as_source, is_path, source_among
from .statements import read_statement_texts
from .webjson import read_web_json
from .websort_csv import looks_like_websort_csv, read_websort_csv

__all__ = ["read_sorts", "detect_format", "FormatError", "QData", "FORMATS", "read_statement_texts",
           "write_csv", "write_pqmethod", "write_kenq", "write_kade_zip", "write_sorts", "read_text",
           "csv_records", "load_json", "open_archive", "MAX_ABS_SCORE", "MAX_FIELD_CHARS", "MAX_ARCHIVE_BYTES",
           "sorts_files", "Source", "SourceLike", "as_source", "source_among"]

FORMATS = ("csv", "pqmethod", "kenq", "kade", "json", "webcsv")
# How much of a file detect_format looks at (a Quince export's first row can be a few KB).
DETECT_BYTES = 64 * 1024


def detect_format(source: SourceLike, name: str | None = None) -> str:
    """The format of a file, from its extension and, for ``.csv``/``.txt`` or no extension, its start.

    ``source``: a path, bytes or a binary file object (``name``: its name, whose extension counts).
    ``.dat`` -> pqmethod, ``.zip`` -> kade (any ZIP: see :func:`analysis.formats.archive.read_zip`),
    ``.json`` -> json; a CSV with a ``sort: ...`` cell -> webcsv (EQ Web Sort, Quince); a CSV whose first
    header cell is ``statement`` or empty (R's write.csv) -> csv (ours, a row per statement); any other CSV
    -> kenq (a row per participant).
    """
    if is_path(source) and name is None:
        file = str(source)
        suffix = Path(file).suffix.lower()
        head = None
    else:
        held = as_source(source, name)
        suffix, head = held.suffix, held.data[:DETECT_BYTES]
    by_suffix = {".dat": "pqmethod", ".zip": "kade", ".json": "json"}
    if suffix in by_suffix:
        return by_suffix[suffix]
    if head is None:    # a path: only its start is read
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


def read_sorts(source: SourceLike, format: str | None = None, *, statements: SourceLike | None = None,
               encoding: str | None = None, name: str | None = None) -> QData:
    """Read Q-sorts from a file.

    Parameters
    ----------
    source : path, bytes or binary file object
        The file. Files beside a path (a ``.STA``, a ``_statements`` file) are found in its folder; bytes and
        file objects have none (give ``statements``; :func:`source_among` reads a file among several uploaded).
    format : one of :data:`FORMATS`, or None to detect it (:func:`detect_format`)
    statements : optional file (path, bytes or binary file object) with the statement texts
        (``.STA``/``.txt``: one per line; ``.csv``: ``statement,text``); replaces the texts found beside the
        data file.
    encoding : the text encoding of the files (e.g. ``"shift_jis"``); None: UTF-8, else detected, else a
        FormatError asking for it.
    name : str, optional
        The file's name for bytes or a file object (errors show it; its extension helps detect the format).

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
    if format is not None and format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    source = as_source(source, name)
    fmt = format or detect_format(source)
    if fmt == "csv":
        data = read_matrix_csv(source, encoding=encoding)
    elif fmt == "kade":
        data = read_zip(source, encoding=encoding)
    else:
        reader = {"pqmethod": read_pqmethod, "kenq": read_kenq_csv, "json": read_web_json,
                  "webcsv": read_websort_csv}[fmt]
        data = reader(source, statements=statements, encoding=encoding)
        statements = None
    if statements is not None:
        data = data.with_statement_texts(read_statement_texts(statements, data.statement_ids, encoding=encoding))
    return data


WRITERS = {"csv": write_csv, "pqmethod": write_pqmethod, "kenq": write_kenq, "kade": write_kade_zip}


def _writer(format: str):
    if format not in WRITERS:
        raise ValueError(f"cannot write format {format!r}; use one of {', '.join(WRITERS)}")
    return WRITERS[format]


def write_sorts(target: str | os.PathLike | io.RawIOBase, data: QData, format: str) -> list[Path]:
    """Write ``data`` in one of the writable formats (csv, pqmethod, kenq, kade).

    ``target``: a path (the statements file goes beside it; the paths written are returned) or a binary file
    object (the data file only; nothing is returned: :func:`sorts_files` gives every file of a format).
    """
    return _writer(format)(target, data)


def sorts_files(data: QData, format: str, stem: str = "study") -> dict[str, bytes]:
    """Every file of ``data`` in a writable format, as bytes by file name, the data file first.

    ``stem`` names them: csv -> ``stem.csv`` (+ ``stem_statements.csv``), pqmethod -> ``stem.DAT``
    (+ ``stem.STA``), kenq -> ``stem.csv`` (+ ``stem_statements.txt``), kade -> ``stem.zip``; the statements
    file only when the study has texts. Nothing touches the disk.
    """
    from .kenq import kenq_texts_path_for
    from .matrix_csv import texts_path_for

    write = _writer(format)
    name = {"csv": f"{stem}.csv", "pqmethod": f"{stem}.DAT", "kenq": f"{stem}.csv", "kade": f"{stem}.zip"}[format]
    main = io.BytesIO()
    main.name = name        # the default title (PQMethod header, KADE name.txt) is the file name's stem
    if format == "kade":
        write(main, data)
        return {name: main.getvalue()}
    texts = io.BytesIO()
    write(main, data, statements=texts)
    files = {name: main.getvalue()}
    if data.statement_texts is not None:
        texts_name = {"csv": texts_path_for(name).name, "pqmethod": f"{stem}.STA",
                      "kenq": kenq_texts_path_for(name).name}[format]
        files[texts_name] = texts.getvalue()
    return files
