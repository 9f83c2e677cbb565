"""directives and tasks belong to a People's Committee; a task may break another one down

Revision ID: 0026_committee_scope
Revises: 0025_objection_lines

`committee_id` names the commune committee (a unit with `is_committee`) whose own work a directive or task is; NULL
is the root committee that runs the instance, so every row from before stays the root's. `parent_task_id` is the
task received from above that a commune's office broke this one out of.
"""
import sqlalchemy as sa
from alembic import op

revision = '0026_committee_scope'
down_revision = '0025_objection_lines'
branch_labels = None
depends_on = None


_COLUMNS = (
    ('directives', 'committee_id', 'units'),
    ('tasks', 'committee_id', 'units'),
    ('tasks', 'parent_task_id', 'tasks'),
)


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table, column, referred in _COLUMNS:
        name = f'fk_{table}_{column}_{referred}'
        if postgresql:
            op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(name, table, referred, [column], ['id'])
        else:
            # SQLite adds a column's reference in place; a batch copy of `tasks` would lose its indexes on expressions.
            op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES {referred} (id)')
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table, column, referred in reversed(_COLUMNS):
        op.drop_index(f'ix_{table}_{column}', table_name=table)
        if postgresql:
            op.drop_constraint(f'fk_{table}_{column}_{referred}', table, type_='foreignkey')
        op.drop_column(table, column)
