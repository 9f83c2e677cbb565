"""`kpi-tasks import-units --province NAME`: the province's communes and wards from the 2025 catalogue."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from kpi_tasks.errors import DomainError
from kpi_tasks.extensions import db
from kpi_tasks.units.catalogue import import_province_units


@click.command("import-units")
@click.option("--province", required=True, help="Tên tỉnh, thành phố (không phân biệt dấu), ví dụ “Quảng Ngãi”.")
@click.option("--with-commune-departments", is_flag=True,
              help="Thêm các cơ quan chuyên môn của mỗi xã, phường (Văn phòng, Phòng Kinh tế, Phòng Văn hóa - Xã "
                   "hội, Trung tâm Phục vụ hành chính công).")
@with_appcontext
def import_units_command(province: str, with_commune_departments: bool) -> None:
    """Tạo các xã, phường, đặc khu của tỉnh theo danh mục đơn vị hành chính 2025 (mã, tên chính thức);
    chạy lại không tạo trùng."""
    try:
        summary = import_province_units(province, with_commune_departments=with_commune_departments)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    for line in summary.lines():
        click.echo(line)
