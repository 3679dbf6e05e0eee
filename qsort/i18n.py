"""UI translations (Flask-Babel): English, Dutch, Norwegian Bokmål.

The language is, in order: ``?lang=`` on the URL (remembered in the session), the session, the browser's
Accept-Language, English. Statements are study content and are translated per study, not here.

On a participant's page the choice is limited to the study's own languages (:func:`use_study_languages`):
a language the study lacks falls back to the study's default language, so Dutch buttons never frame English
cards.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request, session
from flask_babel import Babel, get_locale, refresh

TRANSLATIONS_DIR = str(Path(__file__).resolve().parent / "translations")


def select_locale() -> str:
    languages = list(current_app.config["LANGUAGES"])
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    study_languages = g.get("study_languages")
    if study_languages:  # a participant's page: only the study's languages
        languages = [code for code in languages if code in study_languages[0]] or languages
        default = study_languages[1] if study_languages[1] in languages else languages[0]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or default


def use_study_languages(study) -> None:
    """Limit this request's UI language to ``study``'s languages (falling back to its default language).
    Called as soon as a participant's page knows its study, before any text is translated."""
    g.study_languages = (list(study.languages or []), study.default_language)
    refresh()  # a locale chosen earlier in this request is chosen again


def remember_asked_language() -> None:
    """Remember ``?lang=`` at once, even on a request that only redirects (an invite link ending in
    ``?lang=nl`` redirects to the participant's step, and that page must be Dutch)."""
    if request.args.get("lang") in current_app.config["LANGUAGES"]:
        session["lang"] = request.args["lang"]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS_DIR)
    Babel(app, locale_selector=select_locale)
    app.before_request(remember_asked_language)
    # Flask-Babel does not give templates get_locale(); base.html's <html lang> needs it.
    app.jinja_env.globals["get_locale"] = get_locale


def text(message: str, **values) -> str:
    """``gettext`` inside a web request (the user's language); outside one (the CLI) the English text.

    For modules used by both the web app and the ``qsort`` command. Import it as ``_`` so that
    ``pybabel extract`` finds the messages: ``from .i18n import text as _``.
    """
    from flask import has_request_context
    from flask_babel import gettext

    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message
