"""the committee's document identity, its signers per kind of document and uploaded Word templates

Revision ID: 0015_document_identity
Revises: 0014_sessions_tokens

Replaces the KPI_TASKS_ISSUER environment variable: the admin enters the identity on /admin/documents.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_document_identity'
down_revision = '0014_sessions_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('issuing_body', sa.String(length=255), nullable=False),
        sa.Column('issuing_body_short', sa.String(length=255), nullable=False),
        sa.Column('superior_body', sa.String(length=255), nullable=False),
        sa.Column('place_name', sa.String(length=120), nullable=False),
        sa.Column('office_name', sa.String(length=255), nullable=False),
        sa.Column('office_header', sa.String(length=120), nullable=False),
        sa.Column('committee_symbol', sa.String(length=20), nullable=False),
        sa.Column('office_symbol', sa.String(length=20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id'),
    )
    op.create_table(
        'document_signers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('identity_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('authority', sa.String(length=120), nullable=False),
        sa.Column('title', sa.String(length=120), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('recipients', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['identity_id'], ['document_identities.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('identity_id', 'kind', name='uq_document_signers_kind'),
    )
    op.create_table(
        'document_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('identity_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['identity_id'], ['document_identities.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('identity_id', 'kind', name='uq_document_templates_kind'),
    )


def downgrade():
    op.drop_table('document_templates')
    op.drop_table('document_signers')
    op.drop_table('document_identities')
