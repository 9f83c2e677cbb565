"""administrative-procedure dossiers and apology letters

Revision ID: 0006_dossiers
Revises: 0005_scoring
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_dossiers'
down_revision = '0005_scoring'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dossiers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=60), nullable=False),
        sa.Column('procedure', sa.String(length=500), nullable=False),
        sa.Column('field', sa.String(length=255), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('applicant', sa.String(length=255), nullable=True),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('effective_due_on', sa.Date(), nullable=False),
        sa.Column('resolved_on', sa.Date(), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=True),
        sa.Column('paid_online', sa.Boolean(), nullable=True),
        sa.Column('digitised', sa.Boolean(), nullable=True),
        sa.Column('apology_letter_on', sa.Date(), nullable=True),
        sa.Column('new_appointment_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('due_on >= received_on', name=op.f('ck_dossiers_due_after_receipt')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_dossiers_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
        sa.UniqueConstraint('code', name=op.f('uq_dossiers_code')),
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_unit_id_effective_due_on', ['unit_id', 'effective_due_on'], unique=False)
        batch_op.create_index('ix_dossiers_unit_id_received_on', ['unit_id', 'received_on'], unique=False)
        batch_op.create_index('ix_dossiers_unit_id_resolved_on', ['unit_id', 'resolved_on'], unique=False)
        batch_op.create_index('ix_dossiers_effective_due_on_id', ['effective_due_on', 'id'], unique=False)

    op.create_table(
        'apology_letters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('due_by', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=True),
        sa.Column('new_appointment_on', sa.Date(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('signer', sa.String(length=255), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_apology_letters_dossier_id_dossiers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_apology_letters_recorded_by_id_users')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_apology_letters_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_apology_letters')),
        sa.UniqueConstraint('dossier_id', name=op.f('uq_apology_letters_dossier_id')),
    )
    with op.batch_alter_table('apology_letters', schema=None) as batch_op:
        batch_op.create_index('ix_apology_letters_due_by', ['due_by'], unique=False)
        batch_op.create_index('ix_apology_letters_unit_id_status', ['unit_id', 'status'], unique=False)

    op.create_table(
        'dossier_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('created', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('obligations_created', sa.Integer(), nullable=False),
        sa.Column('imported_by_id', sa.Integer(), nullable=True),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'],
                                name=op.f('fk_dossier_imports_imported_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_imports')),
    )


def downgrade():
    op.drop_table('dossier_imports')
    with op.batch_alter_table('apology_letters', schema=None) as batch_op:
        batch_op.drop_index('ix_apology_letters_unit_id_status')
        batch_op.drop_index('ix_apology_letters_due_by')
    op.drop_table('apology_letters')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_effective_due_on_id')
        batch_op.drop_index('ix_dossiers_unit_id_resolved_on')
        batch_op.drop_index('ix_dossiers_unit_id_received_on')
        batch_op.drop_index('ix_dossiers_unit_id_effective_due_on')
    op.drop_table('dossiers')
