"""sort.grid_submitted_at: when the grid was last submitted, kept when the participant goes back to change it, so
the sorting page can say that this sort was sent before

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite and PostgreSQL), no batch rebuild.
    op.add_column('sort', sa.Column('grid_submitted_at', sa.DateTime(), nullable=True))
    # A sort whose grid is submitted but not finished yet (state "sorted") may still go back to the grid: it was
    # submitted at its last change or before. Other sorts are left without a time (unknown, and never read).
    sort = sa.table('sort', sa.column('state', sa.String()), sa.column('updated_at', sa.DateTime()),
                    sa.column('grid_submitted_at', sa.DateTime()))
    op.execute(sort.update().where(sort.c.state == 'sorted').values(grid_submitted_at=sort.c.updated_at))


def downgrade() -> None:
    op.drop_column('sort', 'grid_submitted_at')  # DROP COLUMN: SQLite 3.35+ and PostgreSQL
