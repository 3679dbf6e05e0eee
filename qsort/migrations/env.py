"""Alembic environment: runs migrations against the URL set by qsort.migrations.alembic_config."""
from alembic import context

from qsort.db import make_engine
from qsort.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        # render_as_batch: SQLite can only ALTER tables by copying them; batch mode does that for us.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
