"""event notifications: an event's words and actor on a notice, and each user's e-mail choice per kind

Revision ID: 0019_event_notifications
Revises: 0018_unit_tree
"""
import warnings

import sqlalchemy as sa
from alembic import op

revision = '0019_event_notifications'
down_revision = '0018_unit_tree'
branch_labels = None
depends_on = None


def _batch_notifications():
    # SQLite's batch mode reflects the tables notifications points at; tasks' indexes on expressions cannot be
    # reflected there (they are not copied: only the notifications table is rebuilt).
    warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning)
    return op.batch_alter_table('notifications', schema=None)


def upgrade():
    with warnings.catch_warnings(), _batch_notifications() as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_actor_id_users'), 'users', ['actor_id'], ['id'],
                                    ondelete='SET NULL')
    op.create_table(
        'notification_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('email_mode', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preferences')),
    )


def downgrade():
    op.drop_table('notification_preferences')
    with warnings.catch_warnings(), _batch_notifications() as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_actor_id_users'), type_='foreignkey')
        batch_op.drop_column('actor_id')
        batch_op.drop_column('note')
