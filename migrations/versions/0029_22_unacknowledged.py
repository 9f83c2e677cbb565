"""the open tasks not yet acknowledged, by when they were given (ix_tasks_unacknowledged)

Revision ID: 0029_22_unacknowledged
Revises: 0028_22_task_counts

The office's home page counts the open tasks no lead unit acknowledged after a working day: a range of this partial
index instead of every open task.
"""
import sqlalchemy as sa
from alembic import op

revision = '0029_22_unacknowledged'
down_revision = '0028_22_task_counts'
branch_labels = None
depends_on = None

WHERE = "state = 'open' AND acknowledged_at IS NULL"


def upgrade():
    op.create_index('ix_tasks_unacknowledged', 'tasks', ['given_at', 'directive_id'],
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade():
    op.drop_index('ix_tasks_unacknowledged', table_name='tasks')
