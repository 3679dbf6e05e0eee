"""Text at the edges: what comes in from a form or a file, and what goes out into a spreadsheet.

- :func:`strip_control_characters`: control characters other than tab, line feed and carriage return are
  removed at the door (a vertical tab pasted from Word, a NUL byte in a CSV). Stored text never holds them, so
  no export (xlsx refuses them outright) and no page can break on them.
- :func:`spreadsheet_text`: the one neutraliser of every CSV text cell a spreadsheet would read as a formula
  (``=``, ``+``, ``-``, ``@``, tab, carriage return at the start, as OWASP's CSV injection advice lists them): it
  gets a leading apostrophe, which Excel, LibreOffice and Google Sheets show as text. Numbers stay numbers.
  Control characters already stored (from before this check) are removed on the way out too. (An xlsx cell
  typed as text never runs: the workbook keeps text exact, see qsort/exchange/exports.py.)
"""
from __future__ import annotations

import re
from typing import Any

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def strip_control_characters(text: str) -> str:
    """``text`` without control characters other than ``\\t``, ``\\n`` and ``\\r``."""
    return CONTROL_CHARACTERS.sub("", text)


def spreadsheet_text(value: Any) -> Any:
    """A value safe in a spreadsheet cell: text that would run as a formula starts with an apostrophe;
    other values (numbers, dates, None) are returned as they are."""
    if not isinstance(value, str):
        return value
    value = strip_control_characters(value)
    if value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def spreadsheet_row(values) -> list[Any]:
    """:func:`spreadsheet_text` of every value of a row."""
    return [spreadsheet_text(value) for value in values]


def unescape_spreadsheet_text(text: str) -> str:
    """Undo :func:`spreadsheet_text` when our own export is read back (statements CSV): ``'=x`` -> ``=x``."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) and not _NUMBER.match(text[1:]):
        return text[1:]
    return text
