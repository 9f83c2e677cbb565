"""kpi_tasks: directives turned into tracked tasks for a Vietnamese People's Committee."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from kpi_tasks import web
from kpi_tasks.cli import register_commands
from kpi_tasks.config import engine_options, load_config
from kpi_tasks.extensions import bootstrap, csrf, db, htmx, login_manager, migrate, use_wal_on_sqlite
from kpi_tasks.storage import check_setting as check_file_store

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, CLI — nothing else."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(app.instance_path))
    app.config.update(overrides or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    if not app.config.get("SECRET_KEY"):
        log.warning("SECRET_KEY is not set: using a random key; sessions end when the process restarts.")
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        # Only the headers the proxy sets itself: X-Forwarded-For is appended to, X-Forwarded-Proto overwritten.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    check_file_store(app)
    db.init_app(app)
    with app.app_context():
        use_wal_on_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    bootstrap.init_app(app)
    web.init_app(app)
    register_commands(app)
    return app
