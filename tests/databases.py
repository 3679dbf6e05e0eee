"""Which database the tests run on, and a fresh one for each test.

SQLite by default: each test gets a new file in its temporary folder, a copy of one migrated once per run (copying
takes milliseconds, migrating a good part of a second). With ``QSORT_DATABASE_URL`` naming a PostgreSQL server
(``make test-postgres`` starts one), each test gets a database of its own on that server instead, cloned from a
template migrated once per run (a clone takes ~0.1 s), and dropped after the test.

The variable is taken out of the environment when the tests start, so code under test that reads it (``create_app()``
without a URL, the ``qsort`` commands) only ever sees the URLs the tests hand it.
"""
from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlalchemy.engine import URL, make_url

_configured = os.environ.pop("QSORT_DATABASE_URL", None)
SERVER_URL: URL | None = make_url(_configured) if _configured and _configured.startswith("postgresql") else None
ENGINE = "postgresql" if SERVER_URL is not None else "sqlite"

_numbers = itertools.count(1)
_template: str | None = None


def _admin():
    """A connection to the server's maintenance database, outside transactions (CREATE/DROP DATABASE need that)."""
    return create_engine(SERVER_URL.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _execute(*statements: str) -> None:
    engine = _admin()
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _new_name(kind: str) -> str:
    return f"qsort_{kind}_{os.getpid()}_{next(_numbers)}"


_sqlite_template: Path | None = None


def _migrated_sqlite_template() -> Path:
    global _sqlite_template
    if _sqlite_template is None:
        from qsort.migrations import upgrade

        path = Path(tempfile.mkdtemp(prefix="qsort-template-")) / "template.sqlite"
        upgrade(f"sqlite:///{path}")  # its engine is disposed afterwards: no -wal file is left to copy
        _sqlite_template = path
    return _sqlite_template


def _migrated_template() -> str:
    """A database at the newest migration, made on first use; every test's database is a copy of it."""
    global _template
    if _template is None:
        from qsort.migrations import upgrade

        name = _new_name("template")
        _execute(f'CREATE DATABASE "{name}"')
        upgrade(SERVER_URL.set(database=name).render_as_string(hide_password=False))
        _template = name
    return _template


def drop_template() -> None:
    global _template, _sqlite_template
    if _sqlite_template is not None:
        shutil.rmtree(_sqlite_template.parent, ignore_errors=True)
        _sqlite_template = None
    if _template is not None:
        _execute(f'DROP DATABASE IF EXISTS "{_template}" WITH (FORCE)')
        _template = None


@contextmanager
def fresh_database(folder: Path, migrated: bool = True) -> Iterator[str]:
    """The URL of a new database for one test (at the newest schema, or empty), removed afterwards."""
    if SERVER_URL is None:
        if not migrated:
            yield f"sqlite:///{folder / f'empty{next(_numbers)}.sqlite'}"
            return
        path = folder / "test.sqlite"
        shutil.copyfile(_migrated_sqlite_template(), path)
        yield f"sqlite:///{path}"
        return
    name = _new_name("test")
    template = _migrated_template() if migrated else "template0"
    _execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    try:
        yield SERVER_URL.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE: a connection the test left open (a server thread, an engine never disposed) must not keep it alive.
        _execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
