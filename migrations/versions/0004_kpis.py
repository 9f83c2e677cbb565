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
    pass


def downgrade():
    pass
