"""The admin's work on user accounts, as plain functions: create one in a unit, edit its name, e-mail, role and
unit, lock or unlock it, reset its password. Each flushes and logs in the user's history; callers commit.

Signing in, passwords, sessions and tokens are accounts/'; this package places people in units, and so sits
above units and tasks (an officer moved to another unit leaves the open tasks of the former one)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.passwords import MIN_LENGTH, password_problem
from kpi_tasks.accounts.roles import ADMIN, ROLES, UNIT_ROLES
from kpi_tasks.accounts.services import get_user_by_username, hash_password, revoke_tokens, set_active, set_password
from kpi_tasks.accounts.sessions import end_sessions
from kpi_tasks.audit.services import record
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.services import release_assignments
from kpi_tasks.units.services import get_unit, get_unit_by_code


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
    when many accounts share one password (the demo's). With an `actor` (the admin's page) the creation
    is written to the change log. `check_strength=False` skips the password policy (accounts/passwords.py)
    beyond its length: only for the demo, whose documented password is deliberately simple."""
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
        password_hash=password_hash or hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    if actor is not None:
        record(actor, "user", user.id, "create", {
            "username": (None, username), "full_name": (None, user.full_name), "role": (None, role),
            "unit": (None, unit.name if unit else None), "email": (None, email)})
    return user


def reset_user_password(user: User, actor: User | None, new_password: str) -> None:
    """The admin sets a new password for `user`; the log says it happened, never what it is. Every session and
    API token of the user ends: whoever held the old password holds nothing."""
    set_password(user, new_password)
    end_sessions(user)
    revoke_tokens(user)
    record(actor, "user", user.id, "password_reset")


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
    released = release_assignments(user, actor) if moved else []
    if released:
        changes["released_task_ids"] = (released, [])
    if changes:
        record(actor, "user", user.id, "update", changes)
    return changes


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
