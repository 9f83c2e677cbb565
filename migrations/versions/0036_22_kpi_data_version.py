"""the KPI data's version (kpi_data_versions, kpi_data_version_seq): summaries remembered until the data changes

Revision ID: 0036_22_kpi_data_version
Revises: 0035_22_completion_counts

One row (a random epoch, a version number), given a new number from the sequence in the transaction of every write
to kpis, kpi_targets, kpi_measurements or units (kpi_tasks/kpis/versions.py).
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0036_22_kpi_data_version'
down_revision = '0035_22_completion_counts'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'kpi_data_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('epoch', sa.String(length=32), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_data_versions')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE SEQUENCE kpi_data_version_seq')
    op.bulk_insert(table, [{'id': 1, 'epoch': secrets.token_hex(16), 'version': 0}])


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP SEQUENCE kpi_data_version_seq')
    op.drop_table('kpi_data_versions')
