"""Configuration: defaults, then ``instance/config.py``, then ``QSORT_*`` environment variables, then test overrides."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

DEFAULTS = {
    # Filled in by load(): SQLite in the instance folder unless QSORT_DATABASE_URL says otherwise.
    "DATABASE_URL": None,
    "SECRET_KEY": None,
    "WTF_CSRF_TIME_LIMIT": None,  # a sorting session can last an afternoon; the token lives as long as the session
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": {"en": "English", "nl": "Nederlands", "nb": "Norsk bokmål"},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: as HTTPS
    "HTTPS": None,  # served over HTTPS: Secure cookies and HSTS. None: when PUBLIC_URL starts with https://
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,  # seconds a login lasts (a working day)
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    "LOGIN_ATTEMPTS_PER_15_MIN": 10,
    "PUBLIC_URL": None,  # e.g. https://survey.example.com, used in printed and exported links
}


def _secret_key(instance_path: str) -> str:
    """A stable secret key kept in the instance folder, so sessions survive restarts without configuration."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    os.chmod(path, 0o600)
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
