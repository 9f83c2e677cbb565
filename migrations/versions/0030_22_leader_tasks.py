"""the tasks each leader is in charge of (ix_tasks_leader)

Revision ID: 0030_22_leader_tasks
Revises: 0029_22_unacknowledged

A leader's "Việc tôi phụ trách, theo dõi" (their home page, the list's `mine`) reads the tasks they are in charge
of from this index and the ones they follow from ix_task_watchers_user_id, not every task: at 1,500,000 tasks an
OR over both was a scan of the whole table. Few tasks name a leader: the index holds only those.
"""
import sqlalchemy as sa
from alembic import op

revision = '0030_22_leader_tasks'
down_revision = '0029_22_unacknowledged'
branch_labels = None
depends_on = None

WHERE = "leader_id IS NOT NULL"


def upgrade():
    op.create_index('ix_tasks_leader', 'tasks', ['leader_id'],
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade():
    op.drop_index('ix_tasks_leader', table_name='tasks')
