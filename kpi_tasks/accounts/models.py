from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.accounts.roles import ROLE_LABELS, SEE_ALL_ROLES, UNIT_ROLES
from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db

if TYPE_CHECKING:
    from kpi_tasks.units.models import Unit


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique whatever the case ("NVAn" is "nvan"): uq_users_username_lower; sign-in ignores case too.
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str | None] = mapped_column(sa.String(255))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # How reminders reach this user by e-mail: "digest" (one a day), "immediate" or "off" (in-app only);
    # chosen on the user's own "Cài đặt nhận thông báo" page (notifications/).
    email_mode: Mapped[str] = mapped_column(sa.String(10), default="digest", server_default="digest")

    # Named, not imported: units/ sits above accounts (its pages ask the access policy here).
    unit: Mapped[Unit | None] = relationship("Unit")

    __table_args__ = (sa.Index("uq_users_username_lower", sa.text("lower(username)"), unique=True),)

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def sees_all(self) -> bool:
        return self.role in SEE_ALL_ROLES

    @property
    def is_unit_user(self) -> bool:
        return self.role in UNIT_ROLES

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a stolen database yields no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Written at most once a minute (SESSION_TOUCH_SECONDS), shown on the owner's account page.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # After this moment the token is refused (API_TOKEN_DAYS after its creation unless asked otherwise).
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """A signed-in browser. The cookie carries a random id whose SHA-256 is this row's `key_hash`; every request
    finds its row, so that logging out (or a password change, a reset, a lock, a role change) ends the session
    on the server and a copied cookie stops working."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Written at most once a minute (SESSION_TOUCH_SECONDS), not on every request.
    last_seen_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Login attempts counted per address, account or known device (accounts/throttle.py)."""

    __tablename__ = "login_throttle"

    scope: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    # When the next attempt past the free ones may come; NULL while one is being checked.
    open_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class SystemActor:
    """The product itself acting: a console command an administrator runs on the server, the scheduler, figures
    computed from imported dossiers, the demo. Not a person and not a row: the access policy names what it may do
    (accounts/permissions.py), and the log records its changes with no person."""

    id = None
    role = "system"
    unit_id = None
    unit = None
    sees_all = False
    is_unit_user = False
    display_name = "Hệ thống"

    def __repr__(self) -> str:
        return "<SystemActor>"


SYSTEM = SystemActor()
# Who changes something: a signed-in person, or the product itself.
Actor = User | SystemActor
