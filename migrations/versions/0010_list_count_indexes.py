"""task lists and counts served by indexes alone: covering indexes, undated-last order, confidential directives

Revision ID: 0010_list_count_indexes
Revises: 0009_list_index

Every list's first page walks an index in list order and stops at the page size; its total, the per-unit
counts of the home page and the statistics read index entries only; the recurring tasks and the
confidential directives have small partial indexes of their own. The indexes on tasks.state,
tasks.lead_unit_id and tasks.effective_deadline were prefixes of the new ones and go.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_list_count_indexes'
down_revision = '0009_list_index'
branch_labels = None
depends_on = None

UNDATED = sa.text('(effective_deadline IS NULL)')


def upgrade():
    op.drop_index('ix_tasks_state_deadline', table_name='tasks')
    op.drop_index('ix_tasks_lead_unit_state_deadline', table_name='tasks')
    op.drop_index('ix_tasks_state', table_name='tasks')
    op.drop_index('ix_tasks_lead_unit_id', table_name='tasks')
    op.drop_index('ix_tasks_effective_deadline', table_name='tasks')
    op.create_index('ix_tasks_unit_counts', 'tasks',
                    ['lead_unit_id', 'state', 'effective_deadline', 'completed_on', 'recurrence', 'directive_id'])
    op.create_index('ix_tasks_state_lists', 'tasks',
                    ['state', 'effective_deadline', 'id', 'completed_on', 'directive_id'])
    op.create_index('ix_tasks_state_undated_last', 'tasks',
                    ['state', UNDATED, 'effective_deadline', 'id', 'completed_on', 'directive_id'])
    op.create_index('ix_tasks_deadline_lists', 'tasks', ['effective_deadline', 'id', 'directive_id'])
    op.create_index('ix_tasks_undated_last', 'tasks', [UNDATED, 'effective_deadline', 'id', 'directive_id'])
    op.create_index('ix_tasks_recurring', 'tasks', ['lead_unit_id', 'id', 'state', 'directive_id'],
                    sqlite_where=sa.text('recurrence IS NOT NULL'), postgresql_where=sa.text('recurrence IS NOT NULL'))
    op.create_index('ix_directives_confidential', 'directives', ['id'],
                    sqlite_where=sa.text('confidential IS 1'), postgresql_where=sa.text('confidential IS true'))


def downgrade():
    op.drop_index('ix_directives_confidential', table_name='directives')
    op.drop_index('ix_tasks_recurring', table_name='tasks')
    op.drop_index('ix_tasks_undated_last', table_name='tasks')
    op.drop_index('ix_tasks_deadline_lists', table_name='tasks')
    op.drop_index('ix_tasks_state_undated_last', table_name='tasks')
    op.drop_index('ix_tasks_state_lists', table_name='tasks')
    op.drop_index('ix_tasks_unit_counts', table_name='tasks')
    op.create_index('ix_tasks_effective_deadline', 'tasks', ['effective_deadline'])
    op.create_index('ix_tasks_lead_unit_id', 'tasks', ['lead_unit_id'])
    op.create_index('ix_tasks_state', 'tasks', ['state'])
    op.create_index('ix_tasks_lead_unit_state_deadline', 'tasks', ['lead_unit_id', 'state', 'effective_deadline'])
    op.create_index('ix_tasks_state_deadline', 'tasks', ['state', 'effective_deadline'])
