"""Shared fixtures in the style of Flask's tutorial: ``app``, ``client``, ``session``.

Each test gets a fresh SQLite database in a temporary instance folder, migrated to the newest schema.
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
from tests.paths import SHARED  # noqa: F401,E402


@pytest.fixture
def app(tmp_path):
    from qsort import create_app, db

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite'}",
        "WTF_CSRF_ENABLED": True,
    })
    app.instance_path = str(tmp_path)
    db.upgrade_schema(app)
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
