"""The participant flow's UI strings, read from the sources as Babel extracts them (for the translation tests)."""
from __future__ import annotations

from babel.messages.extract import extract_from_file

from tests.paths import REPO

TRANSLATIONS = REPO / "qsort" / "translations"
RESPOND_SOURCES = [
    *(("python", p) for p in [REPO / "qsort" / "responses.py", REPO / "qsort" / "respond_forms.py",
                              REPO / "qsort" / "errors.py", REPO / "qsort" / "blueprints" / "respond.py"]),
    *(("jinja2", p) for p in sorted((REPO / "templates" / "respond").glob("*.html"))),
    *(("jinja2", p) for p in sorted((REPO / "templates" / "errors").glob("*.html"))),
]


def respond_messages() -> set[str]:
    messages = set()
    for method, path in RESPOND_SOURCES:
        for _lineno, message, _comments, _context in extract_from_file(method, str(path)):
            messages.add(message if isinstance(message, str) else message[0])
    return messages
