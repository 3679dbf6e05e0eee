"""study.would_pay_excluded_tags and study.show_statement_numbers: what participants are asked and shown

Revision ID: 0006
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite and PostgreSQL both have it), not batch mode: rebuilding "study" on SQLite would
    # drop the old table, and with foreign keys on, ON DELETE CASCADE would take the statements and sorts along.
    op.add_column('study', sa.Column('would_pay_excluded_tags', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('study', sa.Column('show_statement_numbers', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))


def downgrade() -> None:
    op.drop_column('study', 'show_statement_numbers')  # DROP COLUMN: SQLite 3.35+ and PostgreSQL
    op.drop_column('study', 'would_pay_excluded_tags')
