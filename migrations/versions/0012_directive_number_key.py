"""the database refuses a second directive with the same number and symbol of an issuer in a year

Revision ID: 0012_directive_number_key
Revises: 0011_directions_reminders

`directives.number_key` holds the year of issue, the issuer and the number as the application compares them
("2026|ubnd huyện bình sơn|999/ubnd-vp"), under a unique index. Existing directives get theirs here; where
two already share one (entered before the application checked), the first keeps it and the others stay NULL,
so that nothing entered is lost and the office can still correct them.
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0012_directive_number_key'
down_revision = '0011_directions_reminders'
branch_labels = None
depends_on = None


def _key(number: str, issuer: str, year: int) -> str:
    # The rule of kpi_tasks.directives.services.uniqueness_key as it stood at this revision: a migration
    # keeps its own copy, so that a later change of the rule does not rewrite what this step did.
    number_part = "".join(unicodedata.normalize("NFC", number).split()).casefold()
    issuer_part = " ".join(unicodedata.normalize("NFC", issuer).split()).casefold()
    return f"{year}|{issuer_part}|{number_part}"


def upgrade():
    op.add_column('directives', sa.Column('number_key', sa.Text(), nullable=True))
    directives = sa.table('directives', sa.column('id', sa.Integer), sa.column('number', sa.String),
                          sa.column('issuer', sa.String), sa.column('issued_on', sa.Date),
                          sa.column('number_key', sa.Text))
    connection = op.get_bind()
    taken: set[str] = set()
    keys = []
    rows = connection.execute(sa.select(directives.c.id, directives.c.number, directives.c.issuer,
                                        directives.c.issued_on).order_by(directives.c.id))
    for directive_id, number, issuer, issued_on in rows:
        key = _key(number, issuer, issued_on.year)
        if key not in taken:
            taken.add(key)
            keys.append({'directive_id': directive_id, 'key': key})
    if keys:
        connection.execute(
            directives.update().where(directives.c.id == sa.bindparam('directive_id'))
            .values(number_key=sa.bindparam('key')),
            keys,
        )
    op.create_index('uq_directives_number_key', 'directives', ['number_key'], unique=True)


def downgrade():
    op.drop_index('uq_directives_number_key', table_name='directives')
    with op.batch_alter_table('directives', schema=None) as batch_op:
        batch_op.drop_column('number_key')
