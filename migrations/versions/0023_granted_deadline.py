"""an extension approved with another date than the one asked for

Revision ID: 0023_granted_deadline
Revises: 0022_watchers_calendar_feeds

`extension_requests.granted_deadline` is the date the office or a leader granted when it differs from the
requested one (`new_deadline` stays what the unit asked for).
"""
import sqlalchemy as sa
from alembic import op

revision = '0023_granted_deadline'
down_revision = '0022_watchers_calendar_feeds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted_deadline', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('extension_requests', schema=None) as batch_op:
        batch_op.drop_column('granted_deadline')
