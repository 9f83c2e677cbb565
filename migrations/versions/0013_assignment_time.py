"""when each officer was handed a task

Revision ID: 0013_assignment_time
Revises: 0012_directive_number_key

`task_assignees.assigned_at` is what an officer's home page lists as newly given. Rows from before carry
their task's creation time, the best this database knows of.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_assignment_time'
down_revision = '0012_directive_number_key'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('task_assignees', sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE task_assignees SET assigned_at = (SELECT tasks.created_at FROM tasks '
               'WHERE tasks.id = task_assignees.task_id)')


def downgrade():
    with op.batch_alter_table('task_assignees', schema=None) as batch_op:
        batch_op.drop_column('assigned_at')
