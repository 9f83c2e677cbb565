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
    pass


def downgrade():
    pass
