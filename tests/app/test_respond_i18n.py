"""Every UI string of the participant flow is translated into Dutch and Norwegian Bokmål (compiled .mo)."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.support import Translations

REPO = Path(__file__).resolve().parents[2]
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


@pytest.mark.parametrize("language", ["nl", "nb"])
def test_every_respond_string_is_translated(language):
    messages = respond_messages()
    assert len(messages) > 100  # the extraction itself works
    translations = Translations.load(str(TRANSLATIONS), [language])
    untranslated = sorted(m for m in messages if translations.gettext(m) == m and m not in {"Start", "Ja"})
    assert untranslated == [], f"run `make translations` and translate these in {language}"


def test_language_on_an_invite_link_survives_the_redirect(client, token):
    """An invite sent as ``/s/<token>?lang=nl`` redirects to the participant's step, which must be Dutch even
    for an English browser."""
    response = client.get(f"/s/{token}?lang=nl", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nl">' in page
