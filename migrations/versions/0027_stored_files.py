"""the database file store: files every app host shares (KPI_TASKS_FILE_STORE=database)

Revision ID: 0027_stored_files
Revises: 0026_committee_scope

A file is a row of stored_files (its key, the path it would have under UPLOAD_FOLDER) and its content in pieces of
1 MiB in stored_file_chunks. Empty on an installation that keeps its files in the folder (the default).
"""
import sqlalchemy as sa
from alembic import op

revision = '0027_stored_files'
down_revision = '0026_committee_scope'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_files',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_files')),
    )
    op.create_index(op.f('ix_stored_files_modified_at'), 'stored_files', ['modified_at'])
    op.create_table(
        'stored_file_chunks',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['key'], ['stored_files.key'], name=op.f('fk_stored_file_chunks_key_stored_files'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', 'seq', name=op.f('pk_stored_file_chunks')),
    )


def downgrade():
    op.drop_table('stored_file_chunks')
    op.drop_index(op.f('ix_stored_files_modified_at'), table_name='stored_files')
    op.drop_table('stored_files')
