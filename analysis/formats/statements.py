"""Statement-text files: PQMethod ``.STA`` and Ken-Q/KADE ``.txt`` (one statement per line), and
our ``<study>_statements.csv`` (header ``statement,text`` or ``statement,text,tags``; one row per statement
id; tags separated by ``;``, e.g. ``price;strategy``)."""
from __future__ import annotations

from typing import Sequence

from ._common import FormatError, csv_records
from .source import Source, SourceLike, as_source

__all__ = ["read_statement_tags", "read_statement_texts", "statement_lines", "statement_lines_bytes",
           "statement_texts_for"]


def statement_lines(file: str, text: str, n_statements: int | None) -> list[str]:
    """One statement per line. Trailing blank lines are ignored; a blank line between statements
    is an error (it would shift every later statement onto the wrong id)."""
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, start=1):
        if line.strip() == "":
            raise FormatError(file, "blank line between statements", number, "statement text")
    if n_statements is not None and len(lines) != n_statements:
        raise FormatError(file, f"{len(lines)} statement texts for {n_statements} statements",
                          len(lines) or None)
    return [line.strip() for line in lines]


def _rows_from_csv(file: str, text: str, statement_ids: Sequence[str]) -> list[list[str]]:
    """The rows of ``statement,text[,tags]``, one per statement id in that order (the header checked)."""
    rows = [row for _line, row in csv_records(file, text)]
    if not rows:
        raise FormatError(file, "empty file", 1)
    header = [cell.strip().lower() for cell in rows[0]]
    if header not in (["statement", "text"], ["statement", "text", "tags"]):
        raise FormatError(file, f"header must be 'statement,text' or 'statement,text,tags', found "
                                f"{','.join(rows[0])!r}", 1, "header")
    fields = ", ".join(header)
    by_id: dict[str, list[str]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise FormatError(file, f"expected {len(header)} fields ({fields}), found {len(row)}", number)
        sid = row[0].strip()
        if sid in by_id:
            raise FormatError(file, f"duplicate statement id {sid!r}", number, "statement")
        by_id[sid] = [cell.strip() for cell in row]
    missing = [sid for sid in statement_ids if sid not in by_id]
    if missing:
        raise FormatError(file, f"no text for statement{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    extra = [sid for sid in by_id if sid not in set(statement_ids)]
    if extra:
        raise FormatError(file, f"text for unknown statement {extra[0]!r}")
    return [by_id[sid] for sid in statement_ids]


def _texts_from_csv(file: str, text: str, statement_ids: Sequence[str]) -> list[str]:
    return [row[1] for row in _rows_from_csv(file, text, statement_ids)]


def _is_csv(source: Source, text: str) -> bool:
    """Our ``statement,text`` CSV: by the name's extension, or for nameless bytes by the header."""
    if source.suffix:
        return source.suffix == ".csv"
    return text.lstrip("\ufeff").split("\n", 1)[0].strip().lower().replace('"', "").startswith("statement,text")


def read_statement_tags(source: SourceLike, statement_ids: Sequence[str], *,
                        encoding: str | None = None) -> list[tuple[str, ...]] | None:
    """The tags of each statement (order of ``statement_ids``) from a ``statement,text,tags`` CSV.

    None when the file has no ``tags`` column or is not a CSV (``.STA`` and ``.txt`` hold texts only).
    ``source``: a path, bytes or a binary file object.

    >>> import tempfile, os, pathlib
    >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> text = 'statement,text,tags\\ns1,Low price,price\\ns2,Partners,"strategy; added-value"\\n'
    >>> _ = pathlib.Path(p).write_text(text)
    >>> read_statement_tags(p, ["s1", "s2"])
    [('price',), ('strategy', 'added-value')]
    """
    source = as_source(source)
    text = source.text(encoding)
    if not _is_csv(source, text):
        return None
    rows = _rows_from_csv(source.name, text, statement_ids)
    if not rows or len(rows[0]) < 3:
        return None
    return [tuple(dict.fromkeys(tag.strip() for tag in row[2].split(";") if tag.strip())) for row in rows]


def read_statement_texts(source: SourceLike, statement_ids: Sequence[str], *,
                         encoding: str | None = None) -> list[str]:
    """Statement texts for a study, in the order of ``statement_ids``.

    ``.csv``: our ``statement,text`` layout, matched by id; anything else (``.STA``, ``.txt``):
    one statement per line, in statement order. ``source``: a path, bytes or a binary file object (nameless
    bytes are our CSV when they start with the header ``statement,text``).

    >>> import tempfile, os, pathlib
    >>> p = os.path.join(tempfile.mkdtemp(), "s.txt"); _ = pathlib.Path(p).write_text("First\\nSecond\\n")
    >>> read_statement_texts(p, ["s1", "s2"])
    ['First', 'Second']
    """
    source = as_source(source)
    text = source.text(encoding)
    if _is_csv(source, text):
        return _texts_from_csv(source.name, text, statement_ids)
    return statement_lines(source.name, text, len(statement_ids))


def statement_texts_for(source: Source, statements: SourceLike | None, statement_ids: Sequence[str],
                        encoding: str | None, *beside: str) -> list[str] | None:
    """The texts of a data file's statements: from ``statements`` when given, else from the first of the files
    named ``beside`` that sits beside ``source`` (:meth:`Source.beside`), else None."""
    found = as_source(statements) if statements is not None else source.beside(*beside)
    return None if found is None else read_statement_texts(found, statement_ids, encoding=encoding)


def statement_lines_bytes(texts: Sequence[str]) -> bytes:
    """One statement per line (line breaks inside a text become spaces), UTF-8."""
    return "".join(" ".join(str(text).split()) + "\n" for text in texts).encode("utf-8")
