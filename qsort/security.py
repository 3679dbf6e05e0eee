"""CSRF on every form and JSON endpoint, and security headers (a CSP that forbids inline scripts; no caching of
what a logged-in user sees; HSTS when served over HTTPS)."""
from __future__ import annotations

from flask import Flask, Request, g, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.datastructures import Headers

from .cells import CONTROL_CHARACTERS, strip_control_characters

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'self'; form-action 'self'"
)
HSTS = "max-age=31536000; includeSubDomains"
# Pages and files that must never stay in a browser's or proxy's cache (a shared computer, the back button
# after logout): the studio, the login pages, and anything answered to a logged-in user.
PRIVATE_BLUEPRINTS = ("studio", "auth", "interview")


def _private() -> bool:
    if request.endpoint == "static":
        return False
    return any(name in PRIVATE_BLUEPRINTS for name in request.blueprints) or g.get("user") is not None


class CleanTextRequest(Request):
    """Every field of every form arrives without control characters other than tab and line breaks
    (qsort/cells.py): one door for comments, answers, names, statements typed in the studio, ..."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form and any(CONTROL_CHARACTERS.search(value) for value in form.values()):
            self.__dict__["form"] = self.parameter_storage_class(
                [(key, strip_control_characters(value)) for key, value in form.items(multi=True)])


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.request_class = CleanTextRequest

    @app.after_request
    def _security_headers(response):
        add_security_headers(response.headers, private=_private(),
                             https=bool(app.config.get("HTTPS") or request.is_secure))
        return response


def add_security_headers(headers: Headers, private: bool, https: bool) -> None:
    """The headers every answer carries (a view may have set its own CSP); ``private``: never cached."""
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if private:
        headers["Cache-Control"] = "no-store"
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
