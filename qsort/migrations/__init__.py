"""Schema migrations (Alembic), shipped inside the package so an installed qsort can upgrade its database.

Add one after changing ``qsort/models.py``:  ``qsort db-revision -m "what changed"`` (autogenerates a file in
``versions/``; read it before committing). ``qsort init-db`` applies them all.
"""
from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@functools.cache
def head_revision() -> str:
    """The newest migration shipped with this qsort (read once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    command.revision(alembic_config(database_url), message=message, autogenerate=True)


def regenerate_initial(database_url: str) -> None:
    """Rewrite ``versions/0001_initial_schema.py`` from the models (only while nothing has been released).

    ``database_url`` must point at an empty scratch database.
    """
    for old in (HERE / "versions").glob("0001_*.py"):
        old.unlink()
    command.revision(alembic_config(database_url), message="initial schema", autogenerate=True, rev_id="0001")
    for new in (HERE / "versions").glob("0001_*.py"):
        new.rename(HERE / "versions" / "0001_initial_schema.py")
