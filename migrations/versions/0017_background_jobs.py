"""background jobs: long exports, reports and imports run by `kpi-tasks worker`

Revision ID: 0017_background_jobs
Revises: 0016_login_throttle_keys
"""
import contextlib
import warnings
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision = '0017_background_jobs'
down_revision = '0016_login_throttle_keys'
branch_labels = None
depends_on = None


@contextlib.contextmanager
def _notifications_batch() -> Iterator[BatchOperations]:
    """SQLite rebuilds the table and reflects the tables its foreign keys name; SQLAlchemy cannot reflect the
    expression indexes of `tasks` (0010) and warns. Those indexes are not this table's: the rebuild loses nothing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning)
        with op.batch_alter_table('notifications', schema=None) as batch_op:
            yield batch_op


def upgrade():
    op.create_table(
        'background_jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('params_json', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('result_file', sa.String(length=64), nullable=True),
        sa.Column('result_name', sa.String(length=200), nullable=True),
        sa.Column('result_mime', sa.String(length=120), nullable=True),
        sa.Column('result_size', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('worker', sa.String(length=200), nullable=True),
        sa.Column('rerun_of_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_background_jobs_owner_id_users')),
        sa.ForeignKeyConstraint(['rerun_of_id'], ['background_jobs.id'], ondelete='SET NULL',
                                name=op.f('fk_background_jobs_rerun_of_id_background_jobs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_background_jobs')),
    )
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_background_jobs_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_background_jobs_status_id', ['status', 'id'], unique=False)
    with _notifications_batch() as batch_op:
        batch_op.add_column(sa.Column('background_job_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notifications_background_job_id_background_jobs'),
                                    'background_jobs', ['background_job_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with _notifications_batch() as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_background_job_id_background_jobs'), type_='foreignkey')
        batch_op.drop_column('background_job_id')
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_background_jobs_status_id')
        batch_op.drop_index(batch_op.f('ix_background_jobs_owner_id'))
    op.drop_table('background_jobs')
