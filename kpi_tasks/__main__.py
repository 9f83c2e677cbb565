"""Entry point of the `kpi-tasks` console script (also `python -m kpi_tasks`)."""

from __future__ import annotations

from flask.cli import FlaskGroup

from kpi_tasks import create_app


def main() -> None:
    FlaskGroup(create_app=create_app, help="kpi-tasks: quản trị và vận hành hệ thống theo dõi nhiệm vụ.")()


if __name__ == "__main__":
    main()
