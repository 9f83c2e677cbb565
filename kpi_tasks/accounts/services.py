from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from kpi_tasks.accounts.models import ApiToken, User
from kpi_tasks.accounts.passwords import password_problem
from kpi_tasks.accounts.sessions import end_sessions, touch_token
from kpi_tasks.audit.services import record
from kpi_tasks.clock import utcnow
from kpi_tasks.errors import NotFound, ValidationError
from kpi_tasks.extensions import db

# scrypt is werkzeug's strongest built-in; its parameters follow werkzeug's current defaults.
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hashing method name, not a password


def get_user_by_username(username: str) -> User | None:
    """The account of that name whatever its case ("NVAn" signs in as "nvan"; uq_users_username_lower)."""
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == sa.func.lower(username or "")))


def authenticate(username: str, password: str) -> User | None:
    user = get_user_by_username((username or "").strip())
    if user is None or not user.active:
        # Spend the same time as a real check so that timing does not reveal which usernames exist.
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


def create_token(user: User, days: int | None = None) -> str:
    """Return a new token in clear text (shown once); only its hash is stored. It expires after `days` days
    (API_TOKEN_DAYS by default)."""
    days = current_app.config["API_TOKEN_DAYS"] if days is None else days
    if days < 1:
        raise ValidationError("Số ngày hiệu lực của mã truy cập phải từ 1 trở lên.", {"days": "Phải từ 1 trở lên."})
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash_token(token), created_at=now,
                            expires_at=now + dt.timedelta(days=days)))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """The user a live token acts as: not revoked, not expired, its user not locked."""
    if not token:
        return None
    now = utcnow()
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(token), ApiToken.revoked.is_(False),
                                  ApiToken.expires_at > now)
    )
    if api_token is None or not api_token.user.active:
        return None
    touch_token(api_token, now)
    return api_token.user


def live_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(db.session.scalars(
        sa.select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False), ApiToken.expires_at > utcnow())
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of `user`'s own tokens; another user's token is not found."""
    api_token = db.session.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != user.id:
        raise NotFound("Không tìm thấy mã truy cập này.")
    api_token.revoked = True
    db.session.flush()
    return api_token


def revoke_tokens(user: User) -> int:
    """Revoke every token of `user`; returns how many still worked."""
    return db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
        .values(revoked=True)
    ).rowcount or 0



def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()




def set_password(user: User, new_password: str) -> None:
    problem = password_problem(new_password, user.username, user.full_name)
    if problem:
        raise ValidationError("Mật khẩu chưa hợp lệ.", {"password": problem})
    user.password_hash = hash_password(new_password)


def hash_password(password: str) -> str:
    # PASSWORD_METHOD is read at each call, not imported by value: the tests lower its cost in one place.
    return generate_password_hash(password, method=PASSWORD_METHOD)


def change_own_password(
    user: User, current_password: str, new_password: str, confirmation: str | None = None,
    keep_session: str | None = None,
) -> None:
    """The user's own change: the current password must be right, and the new one typed twice alike
    (`confirmation`, when the caller asks for it). Every other session (all but `keep_session`, the key of the
    one making the change) and every API token of the user end."""
    errors: dict[str, str] = {}
    if not check_password_hash(user.password_hash, current_password or ""):
        errors["current_password"] = "Mật khẩu hiện tại không đúng."  # noqa: S105 - a message
    problem = password_problem(new_password, user.username, user.full_name)
    if problem:
        errors["password"] = problem
    elif confirmation is not None and confirmation != new_password:
        errors["password_confirm"] = "Mật khẩu nhập lại không khớp với mật khẩu mới."  # noqa: S105 - a message
    if errors:
        message = errors.get("current_password") or "Mật khẩu mới chưa hợp lệ."
        raise ValidationError(message, errors)
    set_password(user, new_password)
    end_sessions(user, keep_key=keep_session)
    revoke_tokens(user)
    record(user, "user", user.id, "password_change")


def set_active(user: User, active: bool) -> None:
    """Lock or unlock, without the checks and the log of `set_user_active` (for set-up code). A locked user's
    sessions and tokens end."""
    user.active = active
    if not active:
        end_sessions(user)
        revoke_tokens(user)
