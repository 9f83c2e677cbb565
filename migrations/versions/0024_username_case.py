"""usernames are unique whatever their case

Revision ID: 0024_username_case
Revises: 0023_granted_deadline

"NVAn" and "nvan" are one account: a unique index on lower(username). Accounts that already differ only in
case keep the oldest one's name; each later one is renamed "<name>-<id>" (its password and everything else
unchanged), so that no one is locked out without a trace and the administrator can tell those users.
"""
import sqlalchemy as sa
from alembic import op

revision = '0024_username_case'
down_revision = '0023_granted_deadline'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, username FROM users ORDER BY id")).all()
    seen: set[str] = set()
    for user_id, username in rows:
        key = username.lower()
        if key in seen:
            renamed = f"{username[:70]}-{user_id}"
            connection.execute(sa.text("UPDATE users SET username = :name WHERE id = :id"),
                               {"name": renamed, "id": user_id})
            key = renamed.lower()
        seen.add(key)
    op.create_index('uq_users_username_lower', 'users', [sa.text('lower(username)')], unique=True)


def downgrade():
    op.drop_index('uq_users_username_lower', table_name='users')
