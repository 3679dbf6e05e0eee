"""Interviews: interviewers assigned to studies, interview sessions, the study's interview guide, where a sort
came from (online / interview / paper), and notes that autosave (client id, kind, updated_at)

Revision ID: 0003
Revises: 0004 (the branch was based on a main that already had 0004)
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'interviewer_assignment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('study_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('sees_all_notes', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['study_id'], ['study.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('study_id', 'user_id'),
    )
    op.create_index('ix_interviewer_assignment_study_id', 'interviewer_assignment', ['study_id'])
    op.create_index('ix_interviewer_assignment_user_id', 'interviewer_assignment', ['user_id'])
    op.create_table(
        'interview_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('study_id', sa.Integer(), nullable=False),
        sa.Column('participant_id', sa.Integer(), nullable=False),
        sa.Column('interviewer_id', sa.Integer(), nullable=False),
        sa.Column('pairing_code', sa.String(length=12), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('step_times', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['study_id'], ['study.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['interviewer_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('pairing_code'),
    )
    op.create_index('ix_interview_session_study_id', 'interview_session', ['study_id'])
    op.create_index('ix_interview_session_participant_id', 'interview_session', ['participant_id'])
    op.create_index('ix_interview_session_interviewer_id', 'interview_session', ['interviewer_id'])
    with op.batch_alter_table('study', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interview_guide', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('sort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), nullable=False, server_default='online'))
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False, server_default='general'))
        batch_op.add_column(sa.Column('client_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_note_client_id', ['client_id'])


def downgrade() -> None:
    with op.batch_alter_table('note', schema=None) as batch_op:
        batch_op.drop_constraint('uq_note_client_id', type_='unique')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('client_id')
        batch_op.drop_column('kind')
    with op.batch_alter_table('sort', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('study', schema=None) as batch_op:
        batch_op.drop_column('interview_guide')
    op.drop_table('interview_session')
    op.drop_table('interviewer_assignment')
