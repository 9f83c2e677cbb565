"""the scoring's counts kept as tasks change (involvement_counts), filled from the tasks already there

Revision ID: 0032_22_involvement_counts
Revises: 0031_22_kpi_sources

One row per (unit, role — lead or coordinating —, bucket, month of the effective deadline, extended) with how many
due items share it, by month and again by year (grain): what tasks/counts.py maintains from then on. Only the
buckets the scoring counts (awaiting_review, done_on_time, done_late, open). The backfill below is that module's
count as it stands at this revision, written out in SQL (a migration does not import the application, which may
have moved on).
"""
import sqlalchemy as sa
from alembic import op

revision = '0032_22_involvement_counts'
down_revision = '0031_22_kpi_sources'
branch_labels = None
depends_on = None

BUCKET = """CASE WHEN {withdrawn} THEN 'withdrawn'
    WHEN {s}.state = 'awaiting_review' THEN 'awaiting_review'
    WHEN {s}.state = 'done' AND ({s}.effective_deadline IS NULL OR {s}.completed_on <= {s}.effective_deadline)
        THEN 'done_on_time'
    WHEN {s}.state = 'done' AND {s}.effective_deadline IS NOT NULL AND {s}.completed_on > {s}.effective_deadline
        THEN 'done_late'
    WHEN {s}.state = 'open' THEN 'open' ELSE 'in_progress' END"""

TRACKED = "t.directive_id NOT IN (SELECT id FROM directives WHERE confidential)"

ITEMS = """
    SELECT {unit} AS unit_id, '{role}' AS role, {task_bucket} AS bucket, {m_t_deadline} AS deadline_month,
           (t.deadline IS NOT NULL AND t.effective_deadline > t.deadline) AS extended
    FROM tasks t {join}
    WHERE t.recurrence IS NULL AND t.effective_deadline IS NOT NULL AND {tracked}
    UNION ALL
    SELECT {unit}, '{role}', {occurrence_bucket}, {m_o_deadline}, o.effective_deadline > o.due_on
    FROM task_occurrences o JOIN tasks t ON t.id = o.task_id {join}
    WHERE t.recurrence IS NOT NULL AND {tracked}"""

BACKFILL = """
INSERT INTO involvement_counts (unit_id, role, bucket, deadline_month, extended, grain, items)
SELECT unit_id, role, bucket, deadline_month, extended, 'month', COUNT(*)
FROM ({lead} UNION ALL {coordinating}) item
WHERE bucket IN ('awaiting_review', 'done_on_time', 'done_late', 'open')
GROUP BY unit_id, role, bucket, deadline_month, extended
"""

BY_YEAR = """
INSERT INTO involvement_counts (unit_id, role, bucket, deadline_month, extended, grain, items)
SELECT unit_id, role, bucket, {y_deadline}, extended, 'year', SUM(items)
FROM involvement_counts WHERE grain = 'month'
GROUP BY unit_id, role, bucket, {y_deadline}, extended
"""


def _month(column: str, dialect: str, unit: str = 'month') -> str:
    if dialect == 'postgresql':
        return f"CAST(date_trunc('{unit}', {column}) AS DATE)"
    return f"date({column}, 'start of {unit}')"


def upgrade():
    op.create_table(
        'involvement_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=12), nullable=False),
        sa.Column('bucket', sa.String(length=20), nullable=False),
        sa.Column('deadline_month', sa.Date(), nullable=False),
        sa.Column('extended', sa.Boolean(), nullable=False),
        sa.Column('grain', sa.String(length=5), nullable=False),
        sa.Column('items', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_involvement_counts_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_involvement_counts')),
    )
    op.create_index(op.f('ix_involvement_counts_unit_id'), 'involvement_counts', ['unit_id'])
    op.create_index('ix_involvement_counts_reads', 'involvement_counts', ['grain', 'deadline_month', 'unit_id', 'role',
                    'bucket', 'extended', 'items'])
    dialect = op.get_bind().dialect.name
    columns = dict(
        task_bucket=BUCKET.format(withdrawn="t.state = 'withdrawn'", s='t'),
        occurrence_bucket=BUCKET.format(withdrawn="(o.state = 'withdrawn' OR t.state = 'withdrawn')", s='o'),
        m_t_deadline=_month('t.effective_deadline', dialect), m_o_deadline=_month('o.effective_deadline', dialect),
        tracked=TRACKED,
    )
    lead = ITEMS.format(unit='t.lead_unit_id', role='lead', join='', **columns)
    coordinating = ITEMS.format(unit='c.unit_id', role='coordinating',
                                join='JOIN task_coordinating_units c ON c.task_id = t.id', **columns)
    op.execute(BACKFILL.format(lead=lead, coordinating=coordinating))
    op.execute(BY_YEAR.format(y_deadline=_month('deadline_month', dialect, 'year')))


def downgrade():
    op.drop_index('ix_involvement_counts_reads', table_name='involvement_counts')
    op.drop_index(op.f('ix_involvement_counts_unit_id'), table_name='involvement_counts')
    op.drop_table('involvement_counts')
