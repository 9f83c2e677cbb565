"""task lists by status: index on (state, effective_deadline)

Revision ID: 0009_list_index
Revises: 0008_intake
"""
from alembic import op

revision = '0009_list_index'
down_revision = '0008_intake'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tasks_state_deadline', 'tasks', ['state', 'effective_deadline'], unique=False)


def downgrade():
    op.drop_index('ix_tasks_state_deadline', table_name='tasks')
