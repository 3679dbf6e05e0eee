"""Every UI string of the participant flow is translated into Dutch and Norwegian Bokmål (compiled .mo)."""
from __future__ import annotations


import pytest
from babel.support import Translations

from tests.catalogues import TRANSLATIONS, respond_messages

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


# ----- the UI language follows the study (issue 11) ------------------------------------------------------------------

def _study_in(session, languages: list[str], default: str):
    from tests.factories import make_study

    study, token = make_study(session)
    study.languages, study.default_language = languages, default
    session.commit()
    return study, token


def _switch_languages(page: str) -> list[str]:
    """The languages the page's switch offers (its links and its current language)."""
    import re

    switch = page.split('class="language-switch"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r' lang="(\w+)"', switch)


@pytest.mark.parametrize("accept", ["nb", "nb-NO,nb;q=0.9", "de", ""])
def test_a_browser_language_the_study_lacks_falls_back_to_the_studys_default(client, session, accept):
    """An English/Dutch study with Dutch as its default: a Norwegian (or German, or silent) browser gets Dutch."""
    _study, token = _study_in(session, ["en", "nl"], "nl")
    page = client.get(f"/s/{token}/welcome", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Welkom bij het testonderzoek." in page and "Nee, dank u" in page
    assert sorted(_switch_languages(page)) == ["en", "nl"]


def test_a_browser_language_the_study_has_is_used(client, session):
    _study, token = _study_in(session, ["en", "nl"], "nl")
    page = client.get(f"/s/{token}/welcome", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "No, thank you" in page


def test_an_english_only_study_never_speaks_dutch(client, session):
    """?lang=nl on the link, a Dutch browser, and Dutch remembered from another study: all give English."""
    _other, other_token = _study_in(session, ["en", "nl"], "en")
    client.get(f"/s/{other_token}/welcome?lang=nl")  # the session now remembers Dutch
    _study, token = _study_in(session, ["en"], "en")
    for url in (f"/s/{token}/welcome?lang=nl", f"/s/{token}/welcome"):
        page = client.get(url, headers={"Accept-Language": "nl"}).get_data(as_text=True)
        assert '<html lang="en">' in page and "No, thank you" in page and "Nee, dank u" not in page
        assert _switch_languages(page) == ["en"]
    # Back on the English/Dutch study: the session's choice (English, from the link above) where it is allowed.
    client.get(f"/s/{token}/welcome?lang=en")
    page = client.get(f"/s/{other_token}/welcome", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_the_open_link_page_follows_the_study_too(client, session):
    study, _token = _study_in(session, ["nb"], "nb")
    assert study.open_link_enabled and study.open_link_token
    page = client.get(f"/s/open/{study.open_link_token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nb">' in page
    assert _switch_languages(page) == ["nb"]
