from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from kpi_tasks.accounts.models import ApiToken, User
from kpi_tasks.accounts.passwords import MIN_LENGTH, password_problem
from kpi_tasks.accounts.roles import ADMIN, ROLES, UNIT_ROLES, UNIT_STAFF
from kpi_tasks.accounts.sessions import end_sessions, touch_token
from kpi_tasks.audit.services import record
from kpi_tasks.clock import utcnow
from kpi_tasks.errors import NotFound, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import STATE_AWAITING_REVIEW, STATE_OPEN, Task, task_assignees
from kpi_tasks.units.services import get_unit, get_unit_by_code

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
    actor: User | None = None,
    check_strength: bool = True,
) -> User:
    """Add a user. `password_hash`, the hash of `password` made earlier, spares the deliberately slow hashing
    when many accounts share one password (the demo district's). With an `actor` (the admin's page) the creation
    is written to the change log. `check_strength=False` skips the password policy (accounts/passwords.py)
    beyond its length: only for the demo district, whose documented password is deliberately simple."""
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
        elif not unit.active:
            errors["unit"] = f"Đơn vị “{unit.name}” đã ngừng hoạt động."
    elif role in UNIT_ROLES:
        errors["unit"] = "Người dùng của đơn vị phải thuộc một đơn vị."
    if check_strength:
        problem = password_problem(password, username, full_name)
    else:
        problem = None if len(password or "") >= MIN_LENGTH else f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
    if problem:
        errors["password"] = problem
    email = _check_email(errors, email)
    if errors:
        raise ValidationError("Thông tin người dùng chưa hợp lệ.", errors)
    user = User(
        username=username,
        role=role,
        unit_id=unit.id if unit else None,
        full_name=(full_name or "").strip(),
        email=email,
        password_hash=password_hash or generate_password_hash(password, method=PASSWORD_METHOD),
    )
    db.session.add(user)
    db.session.flush()
    if actor is not None:
        record(actor, "user", user.id, "create", {
            "username": (None, username), "full_name": (None, user.full_name), "role": (None, role),
            "unit": (None, unit.name if unit else None), "email": (None, email)})
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


def users_of_unit(unit_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.unit_id == unit_id, User.active.is_(True)).order_by(User.full_name)
        )
    )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def list_users() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).options(selectinload(User.unit)).order_by(User.role, User.username)
    ))


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def set_password(user: User, new_password: str) -> None:
    problem = password_problem(new_password, user.username, user.full_name)
    if problem:
        raise ValidationError("Mật khẩu chưa hợp lệ.", {"password": problem})
    user.password_hash = generate_password_hash(new_password, method=PASSWORD_METHOD)


def reset_user_password(user: User, actor: User | None, new_password: str) -> None:
    """The admin sets a new password for `user`; the log says it happened, never what it is. Every session and
    API token of the user ends: whoever held the old password holds nothing."""
    set_password(user, new_password)
    end_sessions(user)
    revoke_tokens(user)
    record(actor, "user", user.id, "password_reset")


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


def set_user_active(user: User, actor: User | None, active: bool) -> None:
    """The admin locks or unlocks an account: never one's own, never the last active admin."""
    if user.active == active:
        return
    errors: dict[str, str] = {}
    _check_admin_kept(errors, user, actor, user.role, active)
    if errors:
        raise ValidationError(errors["active"], errors)
    set_active(user, active)
    record(actor, "user", user.id, "unlock" if active else "lock", {"active": (not active, active)})


def update_user(
    user: User,
    actor: User | None,
    *,
    full_name: str,
    email: str | None,
    role: str,
    unit_id: int | None,
    active: bool,
    keep_session: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Change a user's name, e-mail, role, unit and locked state; returns the changes, as logged.

    A unit role needs a unit; a user is moved only to an active unit; nobody locks their own account, and the
    last active admin can be neither locked nor given another role. A new role ends the user's sessions but
    `keep_session`, the key of the admin's own session when they change their own role."""
    errors: dict[str, str] = {}
    full_name = (full_name or "").strip()
    if len(full_name) > 200:
        errors["full_name"] = "Họ và tên dài tối đa 200 ký tự."
    email = _check_email(errors, email)
    if role not in ROLES:
        errors["role"] = "Vai trò không hợp lệ; chọn một trong: " + ", ".join(ROLES) + "."
    unit = None
    if unit_id is not None:
        unit = get_unit(unit_id)
        if unit is None:
            errors["unit_id"] = "Đơn vị không tồn tại."
        elif not unit.active and unit_id != user.unit_id:
            errors["unit_id"] = f"Đơn vị “{unit.name}” đã ngừng hoạt động."
    elif role in UNIT_ROLES:
        errors["unit_id"] = "Người dùng của đơn vị phải thuộc một đơn vị."
    _check_admin_kept(errors, user, actor, role, active)
    if errors:
        raise ValidationError("Thông tin người dùng chưa hợp lệ.", errors)
    before = {"full_name": user.full_name, "email": user.email, "role": user.role,
              "unit": user.unit.name if user.unit else None, "active": user.active}
    after = {"full_name": full_name, "email": email, "role": role, "unit": unit.name if unit else None,
             "active": active}
    moved = unit_id != user.unit_id or role != user.role
    if role != user.role:  # the user signs in again under the new role
        end_sessions(user, keep_key=keep_session if actor is not None and actor.id == user.id else None)
    user.full_name, user.email, user.role, user.unit_id, user.unit = full_name, email, role, unit_id, unit
    if active != user.active:
        set_active(user, active)
    db.session.flush()
    changes = {key: (old, after[key]) for key, old in before.items() if after[key] != old}
    released = _release_assignments(user, actor) if moved else []
    if released:
        changes["released_task_ids"] = (released, [])
    if changes:
        record(actor, "user", user.id, "update", changes)
    return changes


def _release_assignments(user: User, actor: User | None) -> list[int]:
    """An officer who moves to another unit (or stops being an officer) no longer answers for the open tasks
    their former unit handed them: they leave those tasks' assignees (each task's history says so), and their
    reminders stop. Returns the ids of those tasks."""
    assigned = sa.select(task_assignees.c.task_id).where(task_assignees.c.user_id == user.id)
    tasks = db.session.scalars(
        sa.select(Task).where(Task.id.in_(assigned), Task.state.in_((STATE_OPEN, STATE_AWAITING_REVIEW)))
        .options(selectinload(Task.assignees), selectinload(Task.coordinating_units)).order_by(Task.id)).all()
    released = []
    for task in tasks:
        if user.role == UNIT_STAFF and user.unit_id in (task.lead_unit_id, *task.coordinating_unit_ids):
            continue
        before = [u.username for u in task.assignees]
        task.assignees = [u for u in task.assignees if u.id != user.id]
        record(actor, "task", task.id, "update", {"assignees": (before, [u.username for u in task.assignees])},
               note=f"{user.full_name or user.username} chuyển công tác, thôi theo dõi nhiệm vụ.")
        released.append(task.id)
    db.session.flush()
    return released


def _check_email(errors: dict[str, str], email: str | None) -> str | None:
    email = (email or "").strip() or None
    if email is not None and (len(email) > 255 or "@" not in email[1:-1] or any(c.isspace() for c in email)):
        errors["email"] = "Địa chỉ e-mail không hợp lệ."
    return email


def _check_admin_kept(errors: dict[str, str], user: User, actor: User | None, role: str, active: bool) -> None:
    """Refuse a lock of one's own account, and a change that would leave no active admin."""
    if actor is not None and actor.id == user.id and user.active and not active:
        errors["active"] = "Không thể tự khoá tài khoản của chính mình."
        return
    if user.role != ADMIN or not user.active or (role == ADMIN and active):
        return
    # The active admins' rows, locked in one order: two admins demoting each other at once are taken one after
    # the other, and the second sees that the first is no longer an admin.
    admins = db.session.scalars(
        sa.select(User.id).where(User.role == ADMIN, User.active.is_(True)).order_by(User.id).with_for_update()
    ).all()
    if not set(admins) - {user.id}:
        field = "role" if role != ADMIN else "active"
        errors[field] = (f"“{user.username}” là tài khoản quản trị hệ thống cuối cùng còn hoạt động: cần có một "
                         "tài khoản quản trị khác trước khi khoá hoặc đổi vai trò tài khoản này.")
