"""the lists' kept totals, by status and deadline (ix_task_counts_listed)

Revision ID: 0034_22_listed_counts
Revises: 0033_22_source_counts

A task list's exact total sums the kept rows of its status (tasks.queries.listed_total): at a province's 2,000 units
the overdue list sums 14,000 of them. A partial index of the `listed` rows holding only the columns the totals read
serves them in about 1.6 ms rather than 4 ms from ix_task_counts_reads, whose entries hold every column.
"""
import sqlalchemy as sa
from alembic import op

revision = '0034_22_listed_counts'
down_revision = '0033_22_source_counts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_task_counts_listed', 'task_counts',
                    ['grain', 'bucket', 'deadline_month', 'committee_id', 'items'],
                    sqlite_where=sa.text('listed IS 1'), postgresql_where=sa.text('listed IS true'))


def downgrade():
    op.drop_index('ix_task_counts_listed', table_name='task_counts')
