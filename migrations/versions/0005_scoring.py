"""emulation scoring rules and results

Revision ID: 0005_scoring
Revises: 0004_kpis
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_scoring'
down_revision = '0004_kpis'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
