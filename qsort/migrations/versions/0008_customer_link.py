"""interview_session.customer_key and customer_code: the session-scoped link (and short code) that opens the
sorting flow on the customer's device

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: sessions started before this revision have no customer link (their pairing code still works).
    op.add_column('interview_session', sa.Column('customer_key', sa.String(length=64), nullable=True))
    op.create_index('ix_interview_session_customer_key', 'interview_session', ['customer_key'], unique=True)
    op.add_column('interview_session', sa.Column('customer_code', sa.String(length=12), nullable=True))
    op.create_index('ix_interview_session_customer_code', 'interview_session', ['customer_code'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_interview_session_customer_code', table_name='interview_session')
    op.drop_column('interview_session', 'customer_code')
    op.drop_index('ix_interview_session_customer_key', table_name='interview_session')
    op.drop_column('interview_session', 'customer_key')
