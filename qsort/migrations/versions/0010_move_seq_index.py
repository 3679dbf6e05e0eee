"""move: index (sort_id, client_seq) instead of (sort_id): a draft save finds the moves it may repeat by their seq
without reading every move of the sort (an interview's sort can log thousands)

Revision ID: 0010
Revises: 0009
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain CREATE/DROP INDEX on both engines (no batch rebuild). The new index also serves every lookup by sort_id
    # alone (its first column), so the old one goes.
    op.create_index('ix_move_sort_id_client_seq', 'move', ['sort_id', 'client_seq'], unique=False)
    op.drop_index('ix_move_sort_id', table_name='move')


def downgrade() -> None:
    op.create_index('ix_move_sort_id', 'move', ['sort_id'], unique=False)
    op.drop_index('ix_move_sort_id_client_seq', table_name='move')
