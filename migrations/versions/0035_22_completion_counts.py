"""the completions trend's counts (completion_counts), and the year's completions read from an index

Revision ID: 0035_22_completion_counts
Revises: 0034_22_listed_counts

completion_counts: task_counts' month rows (not listed) of the items done on time and late, summed over the lead
units by committee (committee_key: committee_id, 0 for the root committee's own tasks), completion month and
bucket, which tasks/counts.py keeps from then on; the leader's completions trend reads a year's 24 rows instead of
a province's 72,000 month rows. Filled from task_counts, which holds the same items at this revision.

ix_task_counts_completions gains the columns a year's statistics read of the items completed in the year but due
in another (deadline, begin and extended): those rows are read from the index alone.
"""
import sqlalchemy as sa
from alembic import op

revision = '0035_22_completion_counts'
down_revision = '0034_22_listed_counts'
branch_labels = None
depends_on = None

BACKFILL = """
INSERT INTO completion_counts (committee_key, completed_month, bucket, items)
SELECT COALESCE(committee_id, 0), completed_month, bucket, SUM(items)
FROM task_counts
WHERE grain = 'month' AND listed = {false} AND bucket IN ('done_on_time', 'done_late')
    AND completed_month IS NOT NULL
GROUP BY COALESCE(committee_id, 0), completed_month, bucket
"""


def upgrade():
    op.create_table(
        'completion_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('committee_key', sa.Integer(), nullable=False),
        sa.Column('bucket', sa.String(length=20), nullable=False),
        sa.Column('completed_month', sa.Date(), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_completion_counts')),
        sa.UniqueConstraint('committee_key', 'completed_month', 'bucket',
                            name=op.f('uq_completion_counts_committee_key_completed_month_bucket')),
    )
    false = 'false' if op.get_bind().dialect.name == 'postgresql' else '0'
    op.execute(BACKFILL.format(false=false))
    op.drop_index('ix_task_counts_completions', table_name='task_counts')
    op.create_index('ix_task_counts_completions', 'task_counts',
                    ['grain', 'listed', 'completed_month', 'bucket', 'deadline_month', 'begins_month',
                     'lead_unit_id', 'committee_id', 'extended', 'items'])


def downgrade():
    op.drop_index('ix_task_counts_completions', table_name='task_counts')
    op.create_index('ix_task_counts_completions', 'task_counts',
                    ['grain', 'listed', 'completed_month', 'bucket', 'lead_unit_id', 'committee_id', 'items'])
    op.drop_table('completion_counts')
