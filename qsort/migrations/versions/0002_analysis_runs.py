"""analysis_run: name, sorts snapshot, manual flag steps (undo), viewpoint names and colours, updated_at

Revision ID: 0002
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0004'  # revision ids are names, not an order: 0001 -> 0004 -> 0002 -> 0003 -> ...
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('analysis_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('snapshot', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('steps', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('viewpoint_names', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('analysis_run', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('viewpoint_names')
        batch_op.drop_column('steps')
        batch_op.drop_column('snapshot')
        batch_op.drop_column('name')
