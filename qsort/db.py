"""The database connection: one engine per app, one session per request.

Use ``get_session()`` inside a request or app context. SQLite gets WAL mode and a busy timeout so
that many participants saving drafts at once never see "database is locked".
"""
from __future__ import annotations

import weakref

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15000


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["qsort_engine"] = engine
    # An app made for one command (``qsort set-password``, ``qsort import``...) is simply dropped. Closing its
    # pooled connections when it is collected means no connection is left to the garbage collector, which closes
    # it without telling the server (psycopg warns about exactly that).
    weakref.finalize(app, engine.dispose)
    app.extensions["qsort_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


def get_engine() -> Engine:
    """The app's engine, for work outside a session (the health check's own connection)."""
    return current_app.extensions["qsort_engine"]


def get_session() -> Session:
    """The session of the current request (created on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["qsort_sessionmaker"]()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def upgrade_schema(app: Flask) -> None:
    """Bring the database to the newest migration (creates it when empty)."""
    from .migrations import upgrade

    upgrade(app.config["DATABASE_URL"])
