"""the dossiers late or still open, by due date (ix_dossiers_late_or_open)

Revision ID: 0033_22_source_counts
Revises: 0032_22_involvement_counts

Scoring's summary counts each unit's months in a run of late months over a year (dossiers.queries.
repeat_late_month_counts): at 600,000 dossiers the 40,000 late ones due around a year are read from this partial
index alone instead of the whole table (about 70,000 of the 600,000 dossiers are late or open).
"""
import sqlalchemy as sa
from alembic import op

revision = '0033_22_source_counts'
down_revision = '0032_22_involvement_counts'
branch_labels = None
depends_on = None

WHERE = 'resolved_on IS NULL OR resolved_on > effective_due_on'


def upgrade():
    op.create_index('ix_dossiers_late_or_open', 'dossiers', ['effective_due_on', 'unit_id', 'resolved_on'],
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade():
    op.drop_index('ix_dossiers_late_or_open', table_name='dossiers')
