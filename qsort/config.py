"""Configuration: defaults, then ``instance/config.py``, then ``QSORT_*`` environment variables, then test overrides."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

from .flow import LANGUAGES

DEFAULTS = {
    # Filled in by load(): SQLite in the instance folder unless QSORT_DATABASE_URL says otherwise.
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    "WTF_CSRF_TIME_LIMIT": None,  # a sorting session can last an afternoon; the token lives as long as the session
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": dict(LANGUAGES),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: as HTTPS
    "HTTPS": None,  # served over HTTPS: Secure cookies and HSTS. None: when PUBLIC_URL starts with https://
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,  # seconds a login lasts (a working day)
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    "DRAFT_FAST_PATH": True,  # the autosave's usual case answered in front of Flask (qsort/draft_wsgi.py)
    "LOGIN_ATTEMPTS_PER_15_MIN": 10,
    "PUBLIC_URL": None,  # e.g. https://survey.example.com, used in printed and exported links
    # How many reverse proxies stand in front of the app (0: none). Only then are their X-Forwarded-For, -Proto,
    # -Host and -Prefix headers believed (werkzeug's ProxyFix); without a proxy anyone could forge them.
    "PROXY_FIX": 0,
    "LOG_LEVEL": "INFO",  # qsort's own log: one line per request (tokens redacted), errors with their request
    # E-mail invitations (qsort/mail.py). Without SMTP_HOST and SMTP_FROM nothing is sent; texts can still be edited.
    "SMTP_HOST": None,
    "SMTP_PORT": None,  # None: 465 with SMTP_SSL, else 587
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": True,  # upgrade the connection with STARTTLS (the usual on port 587)
    "SMTP_SSL": False,  # TLS from the first byte (port 465); then STARTTLS is not used
    "SMTP_FROM": None,  # e.g. "Survey team <survey@example.com>"
    "SMTP_PER_MINUTE": 30,  # at most this many mails a minute, over all senders together
    "SMTP_TIMEOUT": 30,  # seconds to wait for the mail server
    "MAIL_SEND_AFTER_REQUEST": True,  # a thread sends the queue after the send request (besides `qsort send-mail`)
}


def _secret_key(instance_path: str) -> str:
    """A stable secret key kept in the instance folder, so sessions survive restarts without configuration."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written aside, then linked into place (which fails when the file exists): several server processes starting
    # at once all end up with the first key written, never with their own or with a half-written file.
    draft = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
        handle.write(key)
    try:
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key


def load(app: Flask, test_config: dict | None = None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("QSORT")  # QSORT_SECRET_KEY, QSORT_DATABASE_URL, ...
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "qsort.sqlite")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(app.instance_path)
    if app.config["HTTPS"] is None:
        app.config["HTTPS"] = str(app.config["PUBLIC_URL"] or "").lower().startswith("https://")
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = bool(app.config["HTTPS"])
    app.config["PROXY_FIX"] = proxy_count(app.config["PROXY_FIX"])
    check_smtp(app.config)


def proxy_count(value) -> int:
    """``QSORT_PROXY_FIX``: the number of proxies in front of the app (``1`` for one nginx; ``true`` counts as 1)."""
    if value is True:
        return 1
    if value in (None, False, ""):
        return 0
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"QSORT_PROXY_FIX must be the number of reverse proxies in front of qsort, not {value!r}")
    if not 0 <= count <= 10:
        raise ValueError(f"QSORT_PROXY_FIX must be between 0 and 10, not {count}")
    return count


def check_smtp(config) -> None:
    """``QSORT_SMTP_*``: numbers are numbers and switches are switches (``true``/``false``), else a ValueError
    that names the setting."""
    for name, low, high in (("SMTP_PORT", 1, 65535), ("SMTP_PER_MINUTE", 1, 100000), ("SMTP_TIMEOUT", 1, 3600)):
        value = config[name]
        if value is None and name == "SMTP_PORT":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit() \
                or not low <= int(value) <= high:
            raise ValueError(f"QSORT_{name} must be a whole number from {low} to {high}, not {value!r}")
        config[name] = int(value)
    for name in ("SMTP_STARTTLS", "SMTP_SSL", "MAIL_SEND_AFTER_REQUEST"):
        if not isinstance(config[name], bool):
            raise ValueError(f"QSORT_{name} must be true or false, not {config[name]!r}")
