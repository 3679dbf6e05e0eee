"""participant.resume_secret, resume_failures, resume_failed_at: resuming an open-link sort from another browser
needs the secret shown to that participant (issue 10 item 16)

Revision ID: 0009
Revises: 0008
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SECRET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as qsort.responses.RESUME_ALPHABET (frozen here)


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite and PostgreSQL), no batch rebuild of a table other tables cascade from.
    op.add_column('participant', sa.Column('resume_secret', sa.String(length=16), nullable=True))
    op.add_column('participant', sa.Column('resume_failures', sa.Integer(), server_default='0', nullable=False))
    op.add_column('participant', sa.Column('resume_failed_at', sa.DateTime(), nullable=True))
    # Open-link participants already under way get a secret too, so the researcher can give it to one who changes
    # device (the studio's participant page shows it); without one they could resume only in the same browser.
    participant = sa.table('participant', sa.column('id', sa.Integer()), sa.column('source', sa.String()),
                           sa.column('resume_secret', sa.String()))
    connection = op.get_bind()
    ids = connection.execute(sa.select(participant.c.id).where(participant.c.source == 'open')).scalars().all()
    for participant_id in ids:
        secret = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(8))
        connection.execute(participant.update().where(participant.c.id == participant_id)
                           .values(resume_secret=secret))


def downgrade() -> None:
    op.drop_column('participant', 'resume_failed_at')  # DROP COLUMN: SQLite 3.35+ and PostgreSQL
    op.drop_column('participant', 'resume_failures')
    op.drop_column('participant', 'resume_secret')
