"""The `kpi-tasks` commands. `kpi_tasks.__main__` wraps them in Flask's CLI group."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.roles import ROLES
from kpi_tasks.accounts.services import create_token, get_user_by_username, live_tokens, revoke_token, revoke_tokens
from kpi_tasks.backup import backup_database, restore_database
from kpi_tasks.clock import now
from kpi_tasks.demo.seed import DEMO_PASSWORD, demo_loaded, demo_logins, seed_demo
from kpi_tasks.dossiers.commands import import_dossiers_command
from kpi_tasks.errors import DomainError
from kpi_tasks.extensions import db
from kpi_tasks.intake.commands import parse_directive_command
from kpi_tasks.jobs.commands import COMMANDS as JOB_COMMANDS
from kpi_tasks.reports.commands import export_report_command
from kpi_tasks.storage.commands import move_files_command
from kpi_tasks.tasks.commands import recount_tasks_command
from kpi_tasks.units.commands import import_units_command
from kpi_tasks.units.models import Unit
from kpi_tasks.users.services import create_user


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="Vai trò của người dùng.")
@click.option("--unit", "unit_code", help="Mã đơn vị (bắt buộc với unit_manager, unit_staff).")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ dòng đầu của stdin.")
@click.option("--full-name", default="", help="Họ và tên.")
@click.option("--email", default=None, help="Địa chỉ e-mail nhận nhắc việc.")
@with_appcontext
def create_user_command(
    username: str, role: str, unit_code: str | None, password_stdin: bool, full_name: str, email: str | None
) -> None:
    """Thêm người dùng."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, role, password, unit_code=unit_code, full_name=full_name, email=email)
    except DomainError as error:
        db.session.rollback()
        details = "; ".join(error.fields.values())
        raise click.ClickException(f"{error.message} {details}".strip()) from error
    db.session.commit()
    click.echo(f"Đã tạo người dùng {user.username} ({user.role_label}).", err=True)


@click.command("create-token")
@click.argument("username")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Số ngày hiệu lực (mặc định KPI_TASKS_TOKEN_DAYS, 180).")
@with_appcontext
def create_token_command(username: str, days: int | None) -> None:
    """In ra một mã truy cập API mới cho người dùng (chỉ in mã, không in gì khác)."""
    user = _user_or_fail(username)
    token = create_token(user, days)
    db.session.commit()
    click.echo(token)


@click.command("revoke-token")
@click.argument("username")
@click.option("--all", "revoke_all", is_flag=True, help="Thu hồi mọi mã của người dùng.")
@click.option("--id", "token_id", type=int, default=None, help="Thu hồi mã có mã số này (xem trang tài khoản).")
@with_appcontext
def revoke_token_command(username: str, revoke_all: bool, token_id: int | None) -> None:
    """Thu hồi mã truy cập API của người dùng: mã mới tạo gần nhất, mã có --id, hoặc mọi mã (--all)."""
    user = _user_or_fail(username)
    if revoke_all:
        count = revoke_tokens(user)
        db.session.commit()
        click.echo(f"Đã thu hồi {count} mã truy cập của {user.username}.", err=True)
        return
    if token_id is None:
        tokens = live_tokens(user)
        if not tokens:
            raise click.ClickException(f"{user.username} không có mã truy cập nào còn hiệu lực.")
        token_id = tokens[0].id
    try:
        revoke_token(user, token_id)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Đã thu hồi mã truy cập #{token_id} của {user.username}.", err=True)


def _user_or_fail(username: str) -> User:
    user = get_user_by_username(username)
    if user is None:
        raise click.ClickException(f"Không có người dùng “{username}”.")
    return user


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Chỉ nạp khi cơ sở dữ liệu chưa có đơn vị nào.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Nạp dữ liệu mẫu: các cơ quan chuyên môn, xã, người dùng và văn bản chỉ đạo."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        if if_empty:
            click.echo("Cơ sở dữ liệu đã có dữ liệu; bỏ qua nạp dữ liệu mẫu.", err=True)
            if demo_loaded():  # the demo was loaded earlier: its logins still work, show them again
                click.echo(f"{demo_logins()}\nMật khẩu của tài khoản mẫu (nếu chưa đổi): {DEMO_PASSWORD}", err=True)
            return
        raise click.ClickException("Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống.")
    summary = seed_demo()
    db.session.commit()
    click.echo(summary, err=True)
    click.echo(f"Mật khẩu của mọi tài khoản mẫu: {DEMO_PASSWORD}", err=True)


@click.command("backup")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Tệp sao lưu (mặc định: instance/backups/kpi_tasks-<thời điểm>).")
@with_appcontext
def backup_command(out_path: Path | None) -> None:
    """Sao lưu cơ sở dữ liệu khi hệ thống vẫn chạy."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if out_path is None:
        suffix = ".sqlite3" if url.startswith("sqlite") else ".dump"
        out_path = Path(current_app.instance_path) / "backups" / f"kpi_tasks-{now():%Y%m%d-%H%M%S}{suffix}"
    try:
        written = backup_database(url, out_path)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(str(written))


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Không hỏi lại.")
@with_appcontext
def restore_command(backup_file: Path, yes: bool) -> None:
    """Phục hồi cơ sở dữ liệu từ một bản sao lưu (ghi đè dữ liệu hiện có)."""
    if not yes:
        click.confirm("Dữ liệu hiện có sẽ bị thay bằng bản sao lưu. Tiếp tục?", abort=True)
    db.session.remove()
    db.engine.dispose()
    try:
        restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], backup_file)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo("Đã phục hồi cơ sở dữ liệu.", err=True)


def register_commands(app: Flask) -> None:
    commands = [create_user_command, create_token_command, revoke_token_command, seed_demo_command, backup_command,
                restore_command, parse_directive_command, export_report_command, import_dossiers_command,
                import_units_command, move_files_command, recount_tasks_command, *JOB_COMMANDS]
    for command in commands:
        app.cli.add_command(command)
