"""`kpi-tasks parse-directive FILE --json`: print the draft tasks of a directive file.

Needs neither the Flask app nor the database, so it also runs as `python -m kpi_tasks.intake FILE`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from kpi_tasks.errors import DomainError
from kpi_tasks.intake.parser import parse_directive
from kpi_tasks.intake.readers import read_text


@click.command("parse-directive")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON (mặc định: tóm tắt dễ đọc).")
def parse_directive_command(file: Path, as_json: bool) -> None:
    """Đọc văn bản chỉ đạo FILE (.docx, .pdf, .txt) và đề xuất các nhiệm vụ."""
    try:
        result = parse_directive(read_text(file.name, file.read_bytes()))
    except DomainError as error:
        raise click.ClickException(error.message) from error
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(_summary(result))


def _summary(result: dict[str, Any]) -> str:
    """A few lines per draft for a person at a terminal; --json is the form tools read."""
    directive = result["directive"]
    lines = [
        f"Số, ký hiệu: {directive['number_symbol'] or '(chưa có)'}",
        f"Cơ quan ban hành: {directive['issuer'] or '(không rõ)'}",
        f"Trích yếu: {directive['subject'] or '(không rõ)'}",
        f"Số nhiệm vụ đề xuất: {len(result['tasks'])}",
    ]
    for task in result["tasks"]:
        deadline = task["deadline"]
        when = deadline["date"] or deadline["rule"] or "không thời hạn"
        lines.append(f"- [{task['section'] or '?'}] {', '.join(task['lead_units']) or '(chưa rõ đơn vị)'}; {when}")
        lines.append(f"  {task['text'][:160]}")
    return "\n".join(lines)
