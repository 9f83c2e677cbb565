"""theo dõi nhiệm vụ and each user's calendar feed

Revision ID: 0022_watchers_calendar_feeds
Revises: 0021_task_comments
"""
import sqlalchemy as sa
from alembic import op

revision = '0022_watchers_calendar_feeds'
down_revision = '0021_task_comments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'task_watchers',
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_watchers_task_id_tasks'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_task_watchers_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('task_id', 'user_id', name=op.f('pk_task_watchers')),
    )
    op.create_index(op.f('ix_task_watchers_user_id'), 'task_watchers', ['user_id'])
    op.create_table(
        'calendar_feeds',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feeds')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    )


def downgrade():
    op.drop_table('calendar_feeds')
    op.drop_index(op.f('ix_task_watchers_user_id'), table_name='task_watchers')
    op.drop_table('task_watchers')
