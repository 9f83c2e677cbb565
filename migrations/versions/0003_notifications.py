"""notifications, job runs, scheduler lease

Revision ID: 0003_notifications
Revises: 0002_deadlines
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_notifications'
down_revision = '0002_deadlines'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
