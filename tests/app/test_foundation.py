"""The app factory, the database and the migrations."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from qsort.models import Base


def test_migrations_match_models(app):
    """Every change to qsort/models.py needs a migration (``qsort db-revision -m ...``)."""
    engine = app.extensions["qsort_engine"]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_sqlite_uses_wal_and_busy_timeout(tmp_path):
    """SQLite's settings (on any test database engine: this is about how qsort opens SQLite)."""
    from qsort.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_health_and_security_headers(client):
    response = client.get("/healthz")
    assert response.json["ok"] is True  # what it checks: tests/app/test_operations.py
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_database_url_from_environment(monkeypatch, tmp_path):
    from qsort import create_app

    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    monkeypatch.setenv("QSORT_DATABASE_URL", url)
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["DATABASE_URL"] == url
