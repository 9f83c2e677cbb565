"""Entry point of the `kpi-tasks` console script (also `python -m kpi_tasks`)."""

from __future__ import annotations

import os

from flask.cli import FlaskGroup

from kpi_tasks import create_app


def main() -> None:
    # Console commands (migrations, imports, backups, the scheduler) may run statements longer than a page may.
    os.environ.setdefault("KPI_TASKS_DB_STATEMENT_TIMEOUT", "0")
    FlaskGroup(create_app=create_app, help="kpi-tasks: quản trị và vận hành hệ thống theo dõi nhiệm vụ.")()


if __name__ == "__main__":
    main()
