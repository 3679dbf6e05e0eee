"""Statement-text files: PQMethod ``.STA`` and Ken-Q/KADE ``.txt`` (one statement per line), and
our ``<study>_statements.csv`` (header ``statement,text``; one row per statement id)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from ._common import FormatError, csv_records, read_text

__all__ = ["read_statement_texts", "statement_lines", "write_statement_lines"]


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


def _texts_from_csv(file: str, text: str, statement_ids: Sequence[str]) -> list[str]:
    rows = [row for _line, row in csv_records(file, text)]
    if not rows:
        raise FormatError(file, "empty file", 1)
    header = [cell.strip().lower() for cell in rows[0]]
    if header[:2] != ["statement", "text"]:
        raise FormatError(file, f"header must be 'statement,text', found {','.join(rows[0])!r}", 1, "header")
    by_id: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise FormatError(file, f"expected 2 fields (statement, text), found {len(row)}", number)
        sid = row[0].strip()
        if sid in by_id:
            raise FormatError(file, f"duplicate statement id {sid!r}", number, "statement")
        by_id[sid] = row[1].strip()
    missing = [sid for sid in statement_ids if sid not in by_id]
    if missing:
        raise FormatError(file, f"no text for statement{'s' if len(missing) > 1 else ''} "
                                f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    extra = [sid for sid in by_id if sid not in set(statement_ids)]
    if extra:
        raise FormatError(file, f"text for unknown statement {extra[0]!r}")
    return [by_id[sid] for sid in statement_ids]


def read_statement_texts(path: str | os.PathLike, statement_ids: Sequence[str], *,
                         encoding: str | None = None) -> list[str]:
    """Statement texts for a study, in the order of ``statement_ids``.

    ``.csv``: our ``statement,text`` layout, matched by id; anything else (``.STA``, ``.txt``):
    one statement per line, in statement order.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.txt"); _ = open(p, "w").write("First\\nSecond\\n")
    >>> read_statement_texts(p, ["s1", "s2"])
    ['First', 'Second']
    """
    file = str(path)
    text = read_text(path, encoding=encoding)
    if Path(file).suffix.lower() == ".csv":
        return _texts_from_csv(file, text, statement_ids)
    return statement_lines(file, text, len(statement_ids))


def write_statement_lines(path: str | os.PathLike, texts: Sequence[str]) -> None:
    """One statement per line (line breaks inside a text become spaces), UTF-8."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for text in texts:
            out.write(" ".join(str(text).split()) + "\n")
