"""The autosave, answered in front of Flask: ``POST /s/<token>/api/draft`` in its usual form, without Flask's
request cycle around it.

Why: the sorting page saves a draft every few seconds while a participant sorts, so a few hundred customers sorting
in the same hour send ~150 saves a second, more than every other request together. Measured under gunicorn, Flask's
cycle around one save (URL routing, request and app contexts, the session interface, Flask-WTF's hook, the
after-request hooks and teardown) cost about a third of the save's CPU (benchmarks/save_path.md, round 4).

What is answered here: only a **plain save**, which needs no word for a person to read:

- a POST to exactly ``/s/<token>/api/draft`` (no query string) with a ``Content-Length`` within MAX_CONTENT_LENGTH;
- a session cookie and CSRF token that Flask and Flask-WTF would accept, checked with their own serializers and
  settings (:meth:`DraftSaver._csrf_session`), and no logged-in user;
- a participant's own token, a valid body, a draft built on the stored revision of a sort that is sorting and stays
  in its step (:func:`qsort.sorting.save_plain_draft`).

It is stored by the same functions as the app's view, in one transaction, and answered with the same status, JSON
and headers (X-Request-ID, the security headers, ``Vary: Cookie``), and the same request log line.

Everything else is **declined** before anything is written and passed on to the app unchanged (the body is handed
back), where ``respond.api_draft`` answers it as it always has: a refusal, a payload error, a merge with another
device's save, the first save on the grid, an interview's customer link, CSRF failures, a lost database. So every
refusal and message keeps its one place, in the participant's language. A check here that declines too often only
costs speed; the acceptance checks are the ones that matter, and tests/app/test_draft_wsgi.py compares them with the
app's on every way a request can be wrong.

Switched off with ``DRAFT_FAST_PATH = False`` (``QSORT_DRAFT_FAST_PATH=false``): every draft then goes to the app.
"""
from __future__ import annotations

import hmac
import io
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import same_origin
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import SecurityError
from werkzeug.http import parse_cookie
from werkzeug.sansio.utils import get_host

from . import sorting
from .db import end_session
from .requestlog import ERROR_LOG, log_request, new_request_id
from .security import add_security_headers

DRAFT_PATH = re.compile(r"/s/([^/]+)/api/draft")
LOGGED_PATH = "/s/<token>/api/draft"  # as qsort.requestlog writes it: the token is the key to a sort


class DraftSaver:
    """WSGI middleware: plain draft saves answered here, every other request passed to ``wsgi_app`` (the app)."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        token = self._draft_token(environ)
        # The cookie and CSRF token first, from the headers alone: a request that fails them is not read here (the
        # app refuses it before its body is read, too).
        if token is not None and self._csrf_session(environ):
            started = time.perf_counter()
            body = self._body(environ)
            saved = self._save(token, body) if body is not None else None
            if saved is not None:
                return self._answer(environ, start_response, saved, started)
        return self.wsgi_app(environ, start_response)

    def _draft_token(self, environ: dict[str, Any]) -> str | None:
        if (environ.get("REQUEST_METHOD") != "POST" or environ.get("QUERY_STRING")
                or not self.app.config["DRAFT_FAST_PATH"]):
            return None
        match = DRAFT_PATH.fullmatch(environ.get("PATH_INFO", ""))
        return match.group(1) if match else None

    def _body(self, environ: dict[str, Any]) -> bytes | None:
        """The request body, read once and handed back to ``environ`` for the app; None (nothing read) when its
        length is missing (chunked), malformed or over MAX_CONTENT_LENGTH: the app answers those."""
        length = environ.get("CONTENT_LENGTH") or ""
        limit = self.app.config["MAX_CONTENT_LENGTH"]
        if not length.isdigit() or (limit is not None and int(length) > limit):
            return None
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)
        return body if len(body) == int(length) else None

    def _save(self, token: str, body: bytes) -> dict[str, Any] | None:
        """The save's JSON answer, or None when declined (nothing stored)."""
        session = self.app.extensions["qsort_sessionmaker"]()
        failed = False
        try:
            sorter = sorting.find_sorter(session, token)
            if sorter is None:  # an unknown token or an interview's customer link: the app's view knows
                return None
            try:
                draft = sorting.parse_draft(sorter.study, sorting.parse_json_body(body), session)
            except sorting.PayloadError:
                return None
            return sorting.save_plain_draft(session, sorter, draft)
        except DBAPIError:  # the database away or busy: the app answers that (503, Retry-After) and logs it once
            failed = True
            return None
        except Exception:  # a bug here: logged (token redacted); the app's own view may still store the save
            failed = True
            ERROR_LOG.exception("unhandled error in POST %s (the draft front); passed on to the app", LOGGED_PATH)
            return None
        finally:
            end_session(session, failed)  # a read-only decline is committed; anything else was or is rolled back

    def _csrf_session(self, environ: dict[str, Any]) -> bool:
        """Whether Flask would open this session and Flask-WTF's CSRFProtect would let the POST through: the same
        serializers, secret keys, salts, time limits, headers and, over HTTPS, the same referrer check
        (flask_wtf.csrf.CSRFProtect.protect and validate_csrf; flask.sessions.SecureCookieSessionInterface)."""
        config, interface = self.app.config, self.app.session_interface
        if (not config["WTF_CSRF_ENABLED"] or not config["WTF_CSRF_CHECK_DEFAULT"]
                or "POST" not in config["WTF_CSRF_METHODS"] or type(interface) is not SecureCookieSessionInterface):
            return False  # CSRF off or another session store: the app decides
        session = self._session(environ, interface)
        if session is None or "user_id" in session or session.get("_permanent"):
            return False  # a logged-in user (a login refreshes its cookie on every answer): the app's view
        sent = next((environ.get(_environ_key(name)) for name in config["WTF_CSRF_HEADERS"]
                     if environ.get(_environ_key(name))), None)
        expected = session.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        secret = config.get("WTF_CSRF_SECRET_KEY", self.app.secret_key)
        if not sent or not expected or not secret:
            return False
        try:
            token = URLSafeTimedSerializer(secret, salt="wtf-csrf-token").loads(
                sent, max_age=config.get("WTF_CSRF_TIME_LIMIT", 3600))
        except BadData:
            return False
        if not isinstance(token, str) or not isinstance(expected, str) or not hmac.compare_digest(expected, token):
            return False
        return environ.get("wsgi.url_scheme") != "https" or not config["WTF_CSRF_SSL_STRICT"] or \
            self._same_origin_referrer(environ)

    def _session(self, environ: dict[str, Any], interface: SecureCookieSessionInterface) -> dict | None:
        serializer = interface.get_signing_serializer(self.app)
        cookie = parse_cookie(environ).get(interface.get_cookie_name(self.app))
        if serializer is None or not cookie:
            return None
        try:
            session = serializer.loads(cookie, max_age=int(self.app.permanent_session_lifetime.total_seconds()))
        except BadData:
            return None
        return session if isinstance(session, dict) else None

    def _same_origin_referrer(self, environ: dict[str, Any]) -> bool:
        """Flask-WTF's check over HTTPS: a Referer of this very host (request.host, trusted hosts applied)."""
        referrer = environ.get("HTTP_REFERER")
        server_port = environ.get("SERVER_PORT")
        server = (environ.get("SERVER_NAME", ""), int(server_port) if str(server_port).isdigit() else None)
        try:
            host = get_host("https", environ.get("HTTP_HOST"), server, self.app.config.get("TRUSTED_HOSTS"))
        except SecurityError:
            return False
        return bool(referrer) and same_origin(referrer, f"https://{host}/")

    def _answer(self, environ: dict[str, Any], start_response: Callable, saved: dict[str, Any],
                started: float) -> Iterable[bytes]:
        """The app's answer to the same save: its JSON (app.json, so the same bytes), its headers, its log line."""
        response = self.app.json.response(saved)
        rid = new_request_id()
        response.headers["X-Request-ID"] = rid
        add_security_headers(response.headers, private=False,
                             https=bool(self.app.config.get("HTTPS") or environ.get("wsgi.url_scheme") == "https"))
        response.vary.add("Cookie")  # the session was read (Flask adds it for the same reason)
        log_request("POST", LOGGED_PATH, response.status_code, (time.perf_counter() - started) * 1000,
                    response.calculate_content_length(), rid)
        return response(environ, start_response)


def _environ_key(header: str) -> str:
    """The WSGI environ key of an HTTP request header (``X-CSRFToken`` -> ``HTTP_X_CSRFTOKEN``)."""
    return "HTTP_" + header.upper().replace("-", "_")
