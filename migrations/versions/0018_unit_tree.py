"""units form a tree of People's Committees: the committee flag, villages, parent index

Revision ID: 0018_unit_tree
Revises: 0017_background_jobs

A unit with `is_committee` (a commune with its own users) is a People's Committee of its own. The kind `village`
(thôn, ấp, tổ dân phố) needs no schema change: kinds are plain strings checked by the application.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_unit_tree'
down_revision = '0017_background_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_committee', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)


def downgrade():
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))
        batch_op.drop_column('is_committee')
