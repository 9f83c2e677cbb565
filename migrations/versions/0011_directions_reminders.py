"""leaders' directions on tasks; apology-letter reminders linked to their letter

Revision ID: 0011_directions_reminders
Revises: 0010_list_count_indexes

`task_directions` holds the "Ý kiến chỉ đạo" of leaders (and of the office recording them) on a task.
`notifications.apology_letter_id` names the obligation an `apology_due` reminder is about; reminders made
before it get theirs from their key ("apology:<letter id>:<due day>:apology_due") when that letter still
exists.
"""
import contextlib
import warnings
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision = '0011_directions_reminders'
down_revision = '0010_list_count_indexes'
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
        'task_directions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('given_by_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_task_directions_author_id_users')),
        sa.ForeignKeyConstraint(['given_by_id'], ['users.id'], name=op.f('fk_task_directions_given_by_id_users')),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_directions_task_id_tasks'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_directions')),
    )
    op.create_index('ix_task_directions_task_id_created_at', 'task_directions', ['task_id', 'created_at'],
                    unique=False)

    with _notifications_batch() as batch_op:
        batch_op.add_column(sa.Column('apology_letter_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_apology_letter_id'), ['apology_letter_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_apology_letter_id_apology_letters'),
                                    'apology_letters', ['apology_letter_id'], ['id'], ondelete='CASCADE')

    notifications = sa.table('notifications', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                             sa.column('dedup_key', sa.String), sa.column('apology_letter_id', sa.Integer))
    letters = sa.table('apology_letters', sa.column('id', sa.Integer))
    connection = op.get_bind()
    existing = set(connection.scalars(sa.select(letters.c.id)))
    rows = connection.execute(sa.select(notifications.c.id, notifications.c.dedup_key).where(
        notifications.c.kind == 'apology_due', notifications.c.dedup_key.like('apology:%')))
    links = []
    for notification_id, dedup_key in rows:
        part = dedup_key.split(':')[1]
        if part.isdigit() and int(part) in existing:
            links.append({'notification_id': notification_id, 'letter_id': int(part)})
    if links:
        connection.execute(
            notifications.update().where(notifications.c.id == sa.bindparam('notification_id'))
            .values(apology_letter_id=sa.bindparam('letter_id')),
            links,
        )


def downgrade():
    with _notifications_batch() as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_apology_letter_id_apology_letters'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_apology_letter_id'))
        batch_op.drop_column('apology_letter_id')
    op.drop_index('ix_task_directions_task_id_created_at', table_name='task_directions')
    op.drop_table('task_directions')
