"""`python -m kpi_tasks.intake FILE --json`: the parse-directive command without the kpi-tasks group."""

from __future__ import annotations

from kpi_tasks.intake.commands import parse_directive_command

if __name__ == "__main__":
    parse_directive_command(prog_name="python -m kpi_tasks.intake")
