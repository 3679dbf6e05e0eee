"""What the server tells its operator: a line per request, errors with their request, 503 while the database is away.

- Every request gets an id (answered in ``X-Request-ID``) and one INFO line on the ``qsort.request`` logger::

      POST /s/<token>/api/draft 200 3.1ms 17B rid=5f2c0a9e1b7d

  A participant's link is the key to their sort, so every token in a path is written as ``<token>``, and query
  strings are never logged. Nor are addresses: put them in the reverse proxy's log if you need them.
- An unhandled error is logged once, on ``qsort.error``, with its request (method, path without tokens, endpoint,
  user id, request id) and the traceback, instead of Flask's line that would carry the raw path.
- The database unreachable (restarted, failing over) or busy: 503 with ``Retry-After``. The API answers
  ``{"ok": false, "error": ...}``, which the sorting page takes as "not saved yet, try again" (it keeps every move);
  pages get a short explanation. One WARNING line each, not a traceback per request during an outage.
"""
from __future__ import annotations

import logging
import re
import secrets
import sys
import time

from flask import Flask, g, render_template, request, session
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from .errors import wants_json

REQUEST_LOG = logging.getLogger("qsort.request")
ERROR_LOG = logging.getLogger("qsort.error")
LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"

# A path segment that looks like a link token (models.new_token: 43 URL-safe characters). Catches tokens in paths
# that matched no route, where Flask has no view arguments to tell us which part is the token.
TOKEN_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_-]{20,}(?=/|$)")
RETRY_AFTER_SECONDS = 5


class QsortFlask(Flask):
    def log_exception(self, exc_info) -> None:
        """Flask would log ``Exception on /s/<the raw token>/...``; log the redacted request instead."""
        ERROR_LOG.error("unhandled error in %s", describe_request(), exc_info=exc_info)


def loggable_path() -> str:
    """The request's path with every link token replaced by ``<token>`` (or ``<open_token>``)."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if "token" in name and isinstance(value, str) and value:
            path = path.replace(value, f"<{name}>")
    return TOKEN_SEGMENT.sub("<token>", path)


def request_id() -> str:
    if "request_id" not in g:
        g.request_id = new_request_id()
    return g.request_id


def new_request_id() -> str:
    return secrets.token_hex(6)


def log_request(method: str, path: str, status: int, elapsed_ms: float, size: int | None, rid: str) -> None:
    """The request's line on ``qsort.request`` (``path`` with its tokens already replaced)."""
    if REQUEST_LOG.isEnabledFor(logging.INFO):
        REQUEST_LOG.info("%s %s %s %.1fms %sB rid=%s", method, path, status, elapsed_ms, "-" if size is None else size,
                         rid)


def describe_request() -> str:
    """The request as an error line shows it: ``POST /s/<token>/api/submit endpoint=... user=... rid=...``."""
    user = g.get("user")
    user_id = getattr(user, "id", None) if user is not None else session.get("user_id")
    return (f"{request.method} {loggable_path()} endpoint={request.endpoint} "
            f"user={user_id if user_id is not None else '-'} rid={request_id()}")


def _not_a_werkzeug_request_line(record: logging.LogRecord) -> bool:
    """Flask's own server (``qsort serve`` without --workers) logs every request with its raw path: drop those
    lines (qsort's own line above replaces them), keep the rest ("Running on ...", errors)."""
    return record.msg != '"%s" %s %s'


def configure_logging(level: str) -> None:
    """Send qsort's log to stderr (once per process) unless the host program configured a handler already."""
    werkzeug = logging.getLogger("werkzeug")
    if _not_a_werkzeug_request_line not in werkzeug.filters:
        werkzeug.addFilter(_not_a_werkzeug_request_line)
    logger = logging.getLogger("qsort")
    logger.setLevel(level.upper())
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logger.addHandler(handler)


def init_app(app: Flask) -> None:
    """Register first, so the clock starts before any other hook (CSRF, login) can refuse the request."""
    configure_logging(app.config["LOG_LEVEL"])

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        elapsed_ms = (time.perf_counter() - started) * 1000 if started is not None else float("nan")
        response.headers["X-Request-ID"] = request_id()
        if REQUEST_LOG.isEnabledFor(logging.INFO):
            log_request(request.method, loggable_path(), response.status_code, elapsed_ms,
                        response.calculate_content_length(), request_id())
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error: DBAPIError):
        ERROR_LOG.warning("database unavailable in %s: %s", describe_request(), _first_line(error.orig or error))
        message = _("The server cannot reach its database for a moment. Nothing you saved is lost; please try "
                    "again in a few seconds.")
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if wants_json():
            return {"ok": False, "error": message}, 503, headers
        return render_template("errors/503.html", message=message), 503, headers


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
