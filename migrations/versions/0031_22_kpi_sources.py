"""the KPI figures of each source by day (ix_kpi_measurements_source_period_end)

Revision ID: 0031_22_kpi_sources
Revises: 0030_22_leader_tasks

A KPI figure counts unless another source outranks it on its day (kpis.queries.counted_clause); when a period's
figures all come from one source (kpis.queries.one_source_in, read from this index's ends) nothing is outranked and
the check is left out (at 1,500,000 tasks, 96,000 computed figures a year).
"""
from alembic import op

revision = '0031_22_kpi_sources'
down_revision = '0030_22_leader_tasks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_kpi_measurements_source_period_end', 'kpi_measurements', ['source', 'period_end'])


def downgrade():
    op.drop_index('ix_kpi_measurements_source_period_end', table_name='kpi_measurements')
