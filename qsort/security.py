"""CSRF on every form and JSON endpoint, and security headers (a CSP that forbids inline scripts; no caching of
what a logged-in user sees; HSTS when served over HTTPS)."""
from __future__ import annotations

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect

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


def init_app(app: Flask) -> None:
    csrf.init_app(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if _private():
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("HTTPS") or request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
