"""WSGI entry point: `gunicorn wsgi:app`. Configured from the environment (see README)."""

from kpi_tasks import create_app

app = create_app()
