"""The application factory: configuration, extensions, blueprints, error pages, template helpers."""

from __future__ import annotations

import os
import secrets
from datetime import date, datetime

from flask import Flask, jsonify, render_template
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from . import config as settings
from .extensions import db

ERROR_TITLES = {
    400: "请求有误",
    403: "没有权限",
    404: "页面不存在",
    405: "不支持的请求方式",
    500: "系统内部错误",
}


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, template helpers."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings.from_environment(app.instance_path))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        # Tests get a throw-away key rather than a file in the instance folder.
        app.config["SECRET_KEY"] = (
            secrets.token_hex(32) if app.testing else settings.instance_secret_key(app.instance_path)
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)  # the default database file lives there

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_filters(app)
    register_health(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .packs import bp as packs_bp

    app.register_blueprint(packs_bp)


def register_errorhandlers(app: Flask) -> None:
    def render_error(error: HTTPException):
        code = error.code or 500
        title = ERROR_TITLES.get(code, "出错了")
        return render_template("errors.html", code=code, title=title, message=error.description), code

    for code in ERROR_TITLES:
        app.register_error_handler(code, render_error)


def register_template_filters(app: Flask) -> None:
    @app.template_filter("ymd")
    def ymd(value: date | datetime | None) -> str:
        """Dates as YYYY-MM-DD, the way the bureaus write them."""
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.date()
        return value.isoformat()


def register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
            database = "ok"
        except Exception as exc:  # noqa: BLE001 - the probe reports any failure, it never raises
            app.logger.warning("health check: database unreachable: %s", exc)
            database = "unavailable"
        ok = database == "ok"
        return jsonify(status="ok" if ok else "degraded", database=database), 200 if ok else 503
