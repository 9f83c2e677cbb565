"""recurring occurrences, extension requests, milestones, attachments

Revision ID: 0002_deadlines
Revises: 0001_initial
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_deadlines'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
