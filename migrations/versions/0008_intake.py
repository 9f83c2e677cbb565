"""directive intake: drafts under review

Revision ID: 0008_intake
Revises: 0007_login_throttle
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_intake'
down_revision = '0007_login_throttle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'intake_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('source_text', sa.Text(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('directive_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_intake_drafts_created_by_id_users')),
        sa.ForeignKeyConstraint(['directive_id'], ['directives.id'], name=op.f('fk_intake_drafts_directive_id_directives')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_drafts')),
    )
    with op.batch_alter_table('intake_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_drafts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_drafts_created_by_id'), ['created_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('intake_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_drafts_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_intake_drafts_created_at'))
    op.drop_table('intake_drafts')
