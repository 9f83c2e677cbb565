"""tiếp nhận: when and by whom the lead unit acknowledged a task

Revision ID: 0020_acknowledgement
Revises: 0019_event_notifications

Tasks given before there was anything to acknowledge count as acknowledged when they were given: nobody is
asked to acknowledge last year's work.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020_acknowledgement'
down_revision = '0019_event_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('tasks', sa.Column('given_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tasks', sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.add_column('tasks', sa.Column('acknowledged_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_tasks_acknowledged_by_id_users'), 'tasks', 'users', ['acknowledged_by_id'],
                              ['id'])
    else:
        # SQLite adds a column's reference in place; a batch copy of `tasks` would lose its indexes on expressions.
        op.execute('ALTER TABLE tasks ADD COLUMN acknowledged_by_id INTEGER '
                   'CONSTRAINT fk_tasks_acknowledged_by_id_users REFERENCES users (id)')
    op.execute('UPDATE tasks SET given_at = created_at, acknowledged_at = created_at')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('fk_tasks_acknowledged_by_id_users'), 'tasks', type_='foreignkey')
    op.drop_column('tasks', 'acknowledged_by_id')
    op.drop_column('tasks', 'acknowledged_at')
    op.drop_column('tasks', 'given_at')
