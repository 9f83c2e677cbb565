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
    op.create_table(
        'score_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_score_rules_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_score_rules')),
        sa.UniqueConstraint('year', 'version', name=op.f('uq_score_rules_year_version')),
    )
    with op.batch_alter_table('score_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_rules_year'), ['year'], unique=False)

    op.create_table(
        'scorings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('sources', sa.JSON(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_scorings_published_by_id_users')),
        sa.ForeignKeyConstraint(['rule_id'], ['score_rules.id'], name=op.f('fk_scorings_rule_id_score_rules')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scorings')),
        sa.UniqueConstraint('year', 'version', name=op.f('uq_scorings_year_version')),
    )
    with op.batch_alter_table('scorings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scorings_rule_id'), ['rule_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scorings_year'), ['year'], unique=False)

    op.create_table(
        'unit_scores',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scoring_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('unit_code', sa.String(length=40), nullable=False),
        sa.Column('unit_name', sa.String(length=255), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('grade', sa.String(length=120), nullable=True),
        sa.Column('breakdown', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['scoring_id'], ['scorings.id'], name=op.f('fk_unit_scores_scoring_id_scorings'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_scores_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_scores')),
        sa.UniqueConstraint('scoring_id', 'unit_id', name=op.f('uq_unit_scores_scoring_id_unit_id')),
    )
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_scores_scoring_id'), ['scoring_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_scores_unit_id'), ['unit_id'], unique=False)

    op.create_table(
        'score_objections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('scoring_id', sa.Integer(), nullable=True),
        sa.Column('counted_as', sa.String(length=40), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('exclude', sa.Boolean(), nullable=False),
        sa.Column('decision_note', sa.Text(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_score_objections_created_by_id_users')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_score_objections_decided_by_id_users')),
        sa.ForeignKeyConstraint(['scoring_id'], ['scorings.id'],
                                name=op.f('fk_score_objections_scoring_id_scorings')),
        sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_score_objections_task_id_tasks')),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_score_objections_unit_id_units')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_score_objections')),
    )
    with op.batch_alter_table('score_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_objections_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_objections_task_id'), ['task_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_objections_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_objections_year'), ['year'], unique=False)


def downgrade():
    with op.batch_alter_table('score_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_objections_year'))
        batch_op.drop_index(batch_op.f('ix_score_objections_unit_id'))
        batch_op.drop_index(batch_op.f('ix_score_objections_task_id'))
        batch_op.drop_index(batch_op.f('ix_score_objections_status'))
    op.drop_table('score_objections')
    with op.batch_alter_table('unit_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_scores_unit_id'))
        batch_op.drop_index(batch_op.f('ix_unit_scores_scoring_id'))
    op.drop_table('unit_scores')
    with op.batch_alter_table('scorings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scorings_year'))
        batch_op.drop_index(batch_op.f('ix_scorings_rule_id'))
    op.drop_table('scorings')
    with op.batch_alter_table('score_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_rules_year'))
    op.drop_table('score_rules')
