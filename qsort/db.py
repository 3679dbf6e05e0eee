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
    event.listen(engine, "before_cursor_execute", _note_writes)
    event.listen(engine, "commit", _forget_writes)
    event.listen(engine, "rollback", _forget_writes)
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


def close_session(exc: BaseException | None = None) -> None:
    """End the request's session. A transaction that only read is ended with COMMIT, not ROLLBACK.

    Why: psycopg forgets every prepared statement of a connection on ROLLBACK (and sends DEALLOCATE ALL), and
    most requests only read. Ended by ROLLBACK, no statement ever reached psycopg's prepare threshold (5 runs on
    one connection) and PostgreSQL planned every query of every page again. COMMIT of a read-only transaction
    changes nothing stored. Anything that wrote, or may have, is rolled back as before: ORM changes not
    flushed, a Core INSERT/UPDATE/DELETE not committed (:func:`_note_writes`), or an error in the request."""
    session = g.pop("db_session", None)
    if session is not None:
        end_session(session, failed=exc is not None)


def end_session(session: Session, failed: bool = False) -> None:
    """:func:`close_session` for a session of one's own (qsort/draft_wsgi.py): COMMIT a transaction that only read,
    roll back anything else, release the connection."""
    try:
        if not failed and _only_read(session):
            session.commit()
    except Exception:  # noqa: BLE001 - e.g. the database went away: closing below rolls back and releases
        pass
    finally:
        session.close()


def _only_read(session: Session) -> bool:
    """True when the session's open transaction ran only reads (nothing to lose by committing it)."""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    connection = session.connection()
    return not connection.info.get(WROTE, False)


WROTE = "qsort_wrote_in_transaction"


def _note_writes(connection, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    """Mark the connection's transaction as having written when a statement is not a plain SELECT."""
    if not statement.lstrip()[:6].upper() == "SELECT":
        connection.info[WROTE] = True


def _forget_writes(connection) -> None:
    if not connection.invalidated:  # an invalidated connection (the database went away) is being thrown away
        connection.info.pop(WROTE, None)


def upgrade_schema(app: Flask) -> None:
    """Bring the database to the newest migration (creates it when empty)."""
    from .migrations import upgrade

    upgrade(app.config["DATABASE_URL"])
