"""the statistics' counts kept as tasks change (task_counts), filled from the tasks already there

Revision ID: 0028_22_task_counts
Revises: 0027_stored_files

One row per (lead unit, committee, bucket, month of the deadline, of the completion, of an open occurrence's
start, extended) with how many counted items share it: what tasks/counts.py maintains from then on. The backfill
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
                         extended, items)
SELECT lead_unit_id, committee_id, bucket, deadline_month, completed_month, begins_month, extended, COUNT(*)
FROM (
    SELECT t.lead_unit_id, t.committee_id, {task_bucket} AS bucket,
           {m_t_deadline} AS deadline_month, {m_t_completed} AS completed_month, CAST(NULL AS DATE) AS begins_month,
           EXISTS (SELECT 1 FROM extension_requests e WHERE e.status = 'approved' AND e.task_id = t.id
                   AND e.occurrence_id IS NULL) AS extended
    FROM tasks t
    WHERE t.recurrence IS NULL AND t.directive_id NOT IN (SELECT id FROM directives WHERE confidential)
    UNION ALL
    SELECT t.lead_unit_id, t.committee_id, {occurrence_bucket},
           {m_o_deadline}, {m_o_completed}, CASE WHEN o.state = 'open' THEN {m_o_start} END,
           EXISTS (SELECT 1 FROM extension_requests e WHERE e.status = 'approved' AND e.occurrence_id = o.id)
    FROM task_occurrences o JOIN tasks t ON t.id = o.task_id
    WHERE t.recurrence IS NOT NULL AND t.directive_id NOT IN (SELECT id FROM directives WHERE confidential)
) item
GROUP BY lead_unit_id, committee_id, bucket, deadline_month, completed_month, begins_month, extended
"""


def _month(column: str, dialect: str) -> str:
    if dialect == 'postgresql':
        return f"CAST(date_trunc('month', {column}) AS DATE)"
    return f"date({column}, 'start of month')"


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
        sa.Column('items', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['committee_id'], ['units.id'], name=op.f('fk_task_counts_committee_id_units')),
        sa.ForeignKeyConstraint(['lead_unit_id'], ['units.id'], name=op.f('fk_task_counts_lead_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_counts')),
    )
    op.create_index(op.f('ix_task_counts_lead_unit_id'), 'task_counts', ['lead_unit_id'])
    dialect = op.get_bind().dialect.name
    op.execute(BACKFILL.format(
        task_bucket=BUCKET.format(withdrawn="t.state = 'withdrawn'", s='t'),
        occurrence_bucket=BUCKET.format(withdrawn="(o.state = 'withdrawn' OR t.state = 'withdrawn')", s='o'),
        m_t_deadline=_month('t.effective_deadline', dialect), m_t_completed=_month('t.completed_on', dialect),
        m_o_deadline=_month('o.effective_deadline', dialect), m_o_completed=_month('o.completed_on', dialect),
        m_o_start=_month('o.period_start', dialect),
    ))


def downgrade():
    op.drop_index(op.f('ix_task_counts_lead_unit_id'), table_name='task_counts')
    op.drop_table('task_counts')
