"""Shared fixtures in the style of Flask's tutorial: ``app``, ``client``, ``session``.

Each test gets a fresh database, migrated to the newest schema: SQLite in a temporary instance folder, or a database
of its own on a PostgreSQL server when ``QSORT_DATABASE_URL`` names one (``make test-postgres``; tests/databases.py).
"""
from __future__ import annotations

from pathlib import Path

import os

import pytest
from hypothesis import settings

# In CI the property tests use a fixed series of examples, so a run can be repeated exactly; locally they keep
# exploring new examples each run (and hypothesis remembers failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
from tests import databases  # noqa: E402  (takes QSORT_DATABASE_URL out of the environment)


def pytest_report_header(config):
    return f"database: {databases.ENGINE}" + (f" ({databases.SERVER_URL!r})" if databases.SERVER_URL else "")


@pytest.fixture(scope="session", autouse=True)
def _drop_templates():
    yield
    databases.drop_template()


@pytest.fixture
def database_url(tmp_path):
    """A new database at the newest schema for this test (SQLite file, or PostgreSQL when configured)."""
    with databases.fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def empty_database_url(tmp_path):
    """A new, empty database (no tables) on the same engine as ``database_url``: for migrations and imports."""
    with databases.fresh_database(tmp_path, migrated=False) as url:
        yield url


@pytest.fixture
def app(tmp_path, database_url):
    from qsort import create_app

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": True,
    })
    app.instance_path = str(tmp_path)  # the database is already at the newest migration (tests/databases.py)
    yield app
    app.extensions["qsort_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    """A database session of the test's own, outside any request.

    It deliberately does not push an app context: a pushed context would be shared by the test client's
    requests (one ``g`` for all of them), which hides bugs. Call ``session.expire_all()`` before reading
    what a request changed.
    """
    db_session = app.extensions["qsort_sessionmaker"]()
    yield db_session
    db_session.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skipped test proves nothing, so the suite allows none: a skip (a missing file, module or browser) fails."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, and this suite allows no skips: {reason}"
