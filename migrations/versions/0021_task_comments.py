"""trao đổi: a thread of comments on each task, and the files posted with them

Revision ID: 0021_task_comments
Revises: 0020_acknowledgement
"""
import warnings

import sqlalchemy as sa
from alembic import op

revision = '0021_task_comments'
down_revision = '0020_acknowledgement'
branch_labels = None
depends_on = None

ONE_OWNER = ("(CASE WHEN directive_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN update_id IS NULL THEN 0 ELSE 1 END)"
             " + (CASE WHEN comment_id IS NULL THEN 0 ELSE 1 END) = 1")


def upgrade():
    op.create_table(
        'task_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_task_comments_author_id_users')),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_comments_task_id_tasks'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_task_comments')),
    )
    op.create_index('ix_task_comments_task_id_created_at', 'task_comments', ['task_id', 'created_at'])
    # The copy SQLite's batch mode makes of `attachments` reflects the tables it points at; tasks' indexes on
    # expressions cannot be reflected there (they stay on `tasks`, which is not copied).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning)
        with op.batch_alter_table('attachments', schema=None) as batch_op:
            batch_op.add_column(sa.Column('comment_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f('fk_attachments_comment_id_task_comments'), 'task_comments',
                                        ['comment_id'], ['id'], ondelete='CASCADE')
            batch_op.drop_constraint(batch_op.f('ck_attachments_one_owner'), type_='check')
            batch_op.create_check_constraint(batch_op.f('ck_attachments_one_owner'), ONE_OWNER)
    op.create_index(op.f('ix_attachments_comment_id'), 'attachments', ['comment_id'])


def downgrade():
    op.drop_index(op.f('ix_attachments_comment_id'), table_name='attachments')
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning)
        with op.batch_alter_table('attachments', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_attachments_one_owner'), type_='check')
            batch_op.create_check_constraint(batch_op.f('ck_attachments_one_owner'),
                                             '(directive_id IS NULL) <> (update_id IS NULL)')
            batch_op.drop_constraint(batch_op.f('fk_attachments_comment_id_task_comments'), type_='foreignkey')
            batch_op.drop_column('comment_id')
    op.drop_index('ix_task_comments_task_id_created_at', table_name='task_comments')
    op.drop_table('task_comments')
