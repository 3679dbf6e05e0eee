"""App-wide error pages: a friendly 404 and 403 (HTML, or JSON for the API paths) and a CSRF failure that says so.

JSON callers (paths containing ``/api/``) get ``{"ok": false, "error": ...}`` so the sorting page can tell what
happened; a CSRF failure's message contains "CSRF" (the page refetches a token and retries once on that).
"""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge


def wants_json() -> bool:
    return "/api/" in request.path or request.is_json


def init_app(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(_error):
        if wants_json():
            return {"ok": False, "error": _("You may not do this.")}, 403
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(_error):
        if wants_json():
            return {"ok": False, "error": _("Not found.")}, 404
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        message = _("The form's security token (CSRF) is missing or has expired. Please reload the page and try again.")
        if wants_json():
            return {"ok": False, "error": f"CSRF: {error.description}", "field": "X-CSRFToken"}, 400
        return render_template("errors/csrf.html", message=message), 400

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        if wants_json():
            return {"ok": False, "error": _("The request is too large.")}, 413
        return error

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError):
        # Flask has logged the exception with its traceback already; the page reads JSON on /api/ paths.
        if wants_json():
            return {"ok": False, "error": _("Something went wrong on the server; nothing was changed. "
                                            "Please try again.")}, 500
        return error

    @app.errorhandler(HTTPException)
    def other_http_error(error: HTTPException):
        if wants_json() and error.code and error.code >= 400:
            return {"ok": False, "error": error.description or error.name}, error.code
        return error
