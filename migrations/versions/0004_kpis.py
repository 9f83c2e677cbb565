"""KPI catalogue, targets, measurements

Revision ID: 0004_kpis
Revises: 0003_notifications
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_kpis'
down_revision = '0003_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kpis',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=500), nullable=False),
        sa.Column('measure', sa.String(length=10), nullable=False),
        sa.Column('formula', sa.String(length=10), nullable=False),
        sa.Column('numerator_label', sa.String(length=255), nullable=True),
        sa.Column('denominator_label', sa.String(length=255), nullable=True),
        sa.Column('direction', sa.String(length=10), nullable=False),
        sa.Column('aggregation', sa.String(length=10), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpis')),
        sa.UniqueConstraint('code', name=op.f('uq_kpis_code')),
    )
    op.create_table(
        'kpi_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kpi_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('unit_kind', sa.String(length=20), nullable=True),
        sa.Column('period_kind', sa.String(length=10), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('target_value', sa.Float(), nullable=False),
        sa.Column('directive_id', sa.Integer(), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            '(unit_id IS NULL AND unit_kind IS NOT NULL) OR (unit_id IS NOT NULL AND unit_kind IS NULL)',
            name=op.f('ck_kpi_targets_one_scope'),
        ),
        sa.CheckConstraint('period_start <= period_end', name=op.f('ck_kpi_targets_period_order')),
        sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_kpi_targets_kpi_id_kpis')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_kpi_targets_unit_id_units')),
        sa.ForeignKeyConstraint(['directive_id'], ['directives.id'],
                                name=op.f('fk_kpi_targets_directive_id_directives')),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_kpi_targets_task_id_tasks'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_kpi_targets_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_targets')),
    )
    with op.batch_alter_table('kpi_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_targets_kpi_id'), ['kpi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_targets_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_targets_directive_id'), ['directive_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kpi_targets_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_kpi_targets_kpi_id_period', ['kpi_id', 'period_start', 'period_end'], unique=False)
    op.create_table(
        'kpi_measurements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kpi_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('numerator', sa.BigInteger(), nullable=True),
        sa.Column('denominator', sa.BigInteger(), nullable=True),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('source', sa.String(length=10), nullable=False),
        sa.Column('entered_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('numerator IS NULL OR numerator >= 0',
                           name=op.f('ck_kpi_measurements_numerator_positive')),
        sa.CheckConstraint('denominator IS NULL OR denominator >= 0',
                           name=op.f('ck_kpi_measurements_denominator_positive')),
        sa.ForeignKeyConstraint(['kpi_id'], ['kpis.id'], name=op.f('fk_kpi_measurements_kpi_id_kpis')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_kpi_measurements_unit_id_units')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'],
                                name=op.f('fk_kpi_measurements_entered_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi_measurements')),
        sa.UniqueConstraint('kpi_id', 'unit_id', 'period_end', 'source',
                            name=op.f('uq_kpi_measurements_kpi_id_unit_id_period_end_source')),
    )
    with op.batch_alter_table('kpi_measurements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_measurements_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_kpi_measurements_kpi_id_period_end', ['kpi_id', 'period_end'], unique=False)


def downgrade():
    with op.batch_alter_table('kpi_measurements', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_measurements_kpi_id_period_end')
        batch_op.drop_index(batch_op.f('ix_kpi_measurements_unit_id'))
    op.drop_table('kpi_measurements')
    with op.batch_alter_table('kpi_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_targets_kpi_id_period')
        batch_op.drop_index(batch_op.f('ix_kpi_targets_task_id'))
        batch_op.drop_index(batch_op.f('ix_kpi_targets_directive_id'))
        batch_op.drop_index(batch_op.f('ix_kpi_targets_unit_id'))
        batch_op.drop_index(batch_op.f('ix_kpi_targets_kpi_id'))
    op.drop_table('kpi_targets')
    op.drop_table('kpis')
