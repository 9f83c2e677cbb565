from __future__ import annotations

import functools
import hashlib
import secrets

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from kpi_tasks.accounts.models import ApiToken, User
from kpi_tasks.accounts.roles import ROLES, UNIT_ROLES
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.units.services import get_unit_by_code

MIN_PASSWORD_LENGTH = 8
# scrypt is werkzeug's strongest built-in; its parameters follow werkzeug's current defaults.
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hashing method name, not a password


def create_user(
    username: str,
    role: str,
    password: str,
    unit_code: str | None = None,
    full_name: str = "",
    email: str | None = None,
    *,
    password_hash: str | None = None,
) -> User:
    """Add a user. `password_hash`, the hash of `password` made earlier, spares the deliberately slow hashing
    when many accounts share one password (the demo district's)."""
    errors: dict[str, str] = {}
    username = (username or "").strip()
    if not username or len(username) > 80:
        errors["username"] = "Tên đăng nhập phải có từ 1 đến 80 ký tự."
    elif get_user_by_username(username):
        errors["username"] = f"Tên đăng nhập “{username}” đã tồn tại."
    if role not in ROLES:
        errors["role"] = "Vai trò không hợp lệ; chọn một trong: " + ", ".join(ROLES) + "."
    unit = None
    if unit_code:
        unit = get_unit_by_code(unit_code)
        if unit is None:
            errors["unit"] = f"Không có đơn vị mã “{unit_code}”."
    elif role in UNIT_ROLES:
        errors["unit"] = "Người dùng của đơn vị phải thuộc một đơn vị."
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự."
    if errors:
        raise ValidationError("Thông tin người dùng chưa hợp lệ.", errors)
    user = User(
        username=username,
        role=role,
        unit_id=unit.id if unit else None,
        full_name=full_name,
        email=email,
        password_hash=password_hash or generate_password_hash(password, method=PASSWORD_METHOD),
    )
    db.session.add(user)
    db.session.flush()
    return user


def get_user_by_username(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


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


def create_token(user: User) -> str:
    """Return a new token in clear text (shown once); only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_hash_token(token)))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    if not token:
        return None
    api_token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(token), ApiToken.revoked.is_(False))
    )
    if api_token is None or not api_token.user.active:
        return None
    return api_token.user


def users_of_unit(unit_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.unit_id == unit_id, User.active.is_(True)).order_by(User.full_name)
        )
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).order_by(User.role, User.username)))


def set_password(user: User, new_password: str) -> None:
    if len(new_password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "Mật khẩu chưa hợp lệ.", {"password": f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự."}
        )
    user.password_hash = generate_password_hash(new_password, method=PASSWORD_METHOD)


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, current_password or ""):
        raise ValidationError("Mật khẩu hiện tại không đúng.", {"current_password": "Mật khẩu hiện tại không đúng."})
    set_password(user, new_password)


def set_active(user: User, active: bool) -> None:
    user.active = active
    if not active:
        db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id).values(revoked=True))
