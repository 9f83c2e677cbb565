"""a scoring objection may name any line of the breakdown, not only a task

Revision ID: 0025_objection_lines
Revises: 0024_username_case

`subject` says which line ("task", "kpi", "late_apology_letters", "repeat_late_months"); `item_ref` which
item of it (a KPI target's id, an apology letter's id, a month "yyyy-mm"; NULL: the whole line), and
`item_label` how the item read when the unit objected. `task_id` is set for task objections only.
"""
import warnings

import sqlalchemy as sa
from alembic import op

revision = '0025_objection_lines'
down_revision = '0024_username_case'
branch_labels = None
depends_on = None

# SQLite rebuilds the table and reflects the tables it refers to; the users table's index on lower(username)
# cannot be reflected there, which is harmless: that table is not rebuilt.
UNREFLECTED_INDEX = "Skipped unsupported reflection"


def upgrade():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=UNREFLECTED_INDEX, category=sa.exc.SAWarning)
        with op.batch_alter_table('score_objections') as batch_op:
            batch_op.add_column(sa.Column('subject', sa.String(length=40), nullable=False, server_default='task'))
            batch_op.add_column(sa.Column('item_ref', sa.String(length=40), nullable=True))
            batch_op.add_column(sa.Column('item_label', sa.String(length=500), nullable=False, server_default=''))
            batch_op.alter_column('task_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM score_objections WHERE task_id IS NULL")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=UNREFLECTED_INDEX, category=sa.exc.SAWarning)
        with op.batch_alter_table('score_objections') as batch_op:
            batch_op.alter_column('task_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column('item_label')
            batch_op.drop_column('item_ref')
            batch_op.drop_column('subject')
