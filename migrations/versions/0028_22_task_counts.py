"""the statistics' counts kept as tasks change (task_counts), filled from the tasks already there

Revision ID: 0028_22_task_counts
Revises: 0027_stored_files

One row per (lead unit, committee, bucket, month of the deadline, of the completion, of an open occurrence's
start, extended, listed) with how many counted items (listed: tasks as the lists count them) share it, by month
and again by year (grain): what tasks/counts.py maintains from then on. The backfill
below is that module's count as it stands at this revision, written out in SQL (a migration does not import the
application, which may have moved on).
"""
import sqlalchemy as sa
from alembic import op

revision = '0028_22_task_counts'
down_revision = '0027_stored_files'
branch_labels = None
depends_on = None

BUCKET = """CASE WHEN {withdrawn} THEN 'withdrawn'
    WHEN {s}.state = 'awaiting_review' THEN 'awaiting_review'
    WHEN {s}.state = 'done' AND ({s}.effective_deadline IS NULL OR {s}.completed_on <= {s}.effective_deadline)
        THEN 'done_on_time'
    WHEN {s}.state = 'done' AND {s}.effective_deadline IS NOT NULL AND {s}.completed_on > {s}.effective_deadline
        THEN 'done_late'
    WHEN {s}.state = 'open' THEN 'open' ELSE 'in_progress' END"""

BACKFILL = """
INSERT INTO task_counts (lead_unit_id, committee_id, bucket, deadline_month, completed_month, begins_month,
                         extended, listed, grain, items)
SELECT lead_unit_id, committee_id, bucket, deadline_month, completed_month, begins_month, extended, listed, 'month',
       COUNT(*)
FROM (
    SELECT t.lead_unit_id, t.committee_id, {task_bucket} AS bucket,
           {m_t_deadline} AS deadline_month, {m_t_completed} AS completed_month, CAST(NULL AS DATE) AS begins_month,
           EXISTS (SELECT 1 FROM extension_requests e WHERE e.status = 'approved' AND e.task_id = t.id
                   AND e.occurrence_id IS NULL) AS extended, {false} AS listed
    FROM tasks t
    WHERE t.recurrence IS NULL AND t.directive_id NOT IN (SELECT id FROM directives WHERE confidential)
    UNION ALL
    SELECT t.lead_unit_id, t.committee_id, {occurrence_bucket},
           {m_o_deadline}, {m_o_completed}, CASE WHEN o.state = 'open' THEN {m_o_start} END,
           EXISTS (SELECT 1 FROM extension_requests e WHERE e.status = 'approved' AND e.occurrence_id = o.id),
           {false}
    FROM task_occurrences o JOIN tasks t ON t.id = o.task_id
    WHERE t.recurrence IS NOT NULL AND t.directive_id NOT IN (SELECT id FROM directives WHERE confidential)
    UNION ALL
    SELECT t.lead_unit_id, t.committee_id, {task_bucket}, {m_t_deadline}, {m_t_completed}, CAST(NULL AS DATE),
           {false}, {true}
    FROM tasks t
    WHERE t.directive_id NOT IN (SELECT id FROM directives WHERE confidential)
) item
GROUP BY lead_unit_id, committee_id, bucket, deadline_month, completed_month, begins_month, extended, listed
"""

BY_YEAR = """
INSERT INTO task_counts (lead_unit_id, committee_id, bucket, deadline_month, completed_month, begins_month,
                         extended, listed, grain, items)
SELECT lead_unit_id, committee_id, bucket, {y_deadline}, {y_completed}, {y_begins}, extended, listed, 'year',
       SUM(items)
FROM task_counts WHERE grain = 'month'
GROUP BY lead_unit_id, committee_id, bucket, {y_deadline}, {y_completed}, {y_begins}, extended, listed
"""


def _month(column: str, dialect: str, unit: str = 'month') -> str:
    if dialect == 'postgresql':
        return f"CAST(date_trunc('{unit}', {column}) AS DATE)"
    return f"date({column}, 'start of {unit}')"


def upgrade():
    op.create_table(
        'task_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lead_unit_id', sa.Integer(), nullable=False),
        sa.Column('committee_id', sa.Integer(), nullable=True),
        sa.Column('bucket', sa.String(length=20), nullable=False),
        sa.Column('deadline_month', sa.Date(), nullable=True),
        sa.Column('completed_month', sa.Date(), nullable=True),
        sa.Column('begins_month', sa.Date(), nullable=True),
        sa.Column('extended', sa.Boolean(), nullable=False),
        sa.Column('listed', sa.Boolean(), nullable=False),
        sa.Column('grain', sa.String(length=5), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['committee_id'], ['units.id'], name=op.f('fk_task_counts_committee_id_units')),
        sa.ForeignKeyConstraint(['lead_unit_id'], ['units.id'], name=op.f('fk_task_counts_lead_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_counts')),
    )
    op.create_index(op.f('ix_task_counts_lead_unit_id'), 'task_counts', ['lead_unit_id'])
    op.create_index('ix_task_counts_reads', 'task_counts', ['grain', 'listed', 'bucket', 'deadline_month',
                    'completed_month', 'begins_month', 'lead_unit_id', 'committee_id', 'extended', 'items'])
    op.create_index('ix_task_counts_completions', 'task_counts', ['grain', 'listed', 'completed_month', 'bucket',
                    'lead_unit_id', 'committee_id', 'items'])
    op.create_index('ix_task_counts_begins', 'task_counts', ['grain', 'begins_month'])
    op.create_index('ix_tasks_open_counts', 'tasks', ['state', 'effective_deadline', 'completed_on', 'lead_unit_id',
                    'committee_id', 'recurrence', 'directive_id'])
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(
        task_bucket=BUCKET.format(withdrawn="t.state = 'withdrawn'", s='t'),
        occurrence_bucket=BUCKET.format(withdrawn="(o.state = 'withdrawn' OR t.state = 'withdrawn')", s='o'),
        m_t_deadline=_month('t.effective_deadline', dialect), m_t_completed=_month('t.completed_on', dialect),
        m_o_deadline=_month('o.effective_deadline', dialect), m_o_completed=_month('o.completed_on', dialect),
        m_o_start=_month('o.period_start', dialect),
        false='false' if dialect == 'postgresql' else '0', true='true' if dialect == 'postgresql' else '1',
    ))
    op.execute(BY_YEAR.format(**{f'y_{name}': _month(f'{name}_month', dialect, 'year')
                                 for name in ('deadline', 'completed', 'begins')}))


def downgrade():
    op.drop_index('ix_tasks_open_counts', table_name='tasks')
    op.drop_index('ix_task_counts_begins', table_name='task_counts')
    op.drop_index('ix_task_counts_completions', table_name='task_counts')
    op.drop_index('ix_task_counts_reads', table_name='task_counts')
    op.drop_index(op.f('ix_task_counts_lead_unit_id'), table_name='task_counts')
    op.drop_table('task_counts')
