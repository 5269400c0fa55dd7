"""The application factory: configuration, extensions, blueprints, error pages, template helpers."""

from __future__ import annotations

import os
import secrets
from datetime import date, datetime

from flask import Flask, jsonify, render_template
from sqlalchemy import event, text
from werkzeug.exceptions import HTTPException

from . import config as settings
from .extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")

ERROR_TITLES = {
    400: "请求有误",
    413: "上传的文件过大",
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

    if app.config.get("TEMPLATE_BYTECODE_CACHE") is not None:  # tests share compiled templates among apps
        app.jinja_options = {**app.jinja_options, "bytecode_cache": app.config["TEMPLATE_BYTECODE_CACHE"]}
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_filters(app)
    register_health(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=MIGRATIONS)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel.init_app(app, locale_selector=_locale)
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024  # the largest upload a request may carry
    app.config.setdefault("UPLOAD_FOLDER", os.path.join(app.instance_path, "uploads"))


def _sqlite_pragmas(connection, _record) -> None:
    """The embedded database: write-ahead log (readers never wait for the writer), enforced foreign
    keys, and a wait instead of an error when another request holds the write lock.

    synchronous=NORMAL is the setting SQLite recommends with WAL: a commit is not fsynced, only the
    checkpoints are, so a power cut may lose the last commits but never corrupts the database, and
    an application crash loses nothing. It saves an fsync per task completion (issue 3's target)."""
    cursor = connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=5000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _locale() -> str:
    """Chinese unless the user chose English (?lang=en, kept in the session)."""
    from flask import has_request_context, request, session

    if not has_request_context():  # the command line and background work speak Chinese
        return "zh"
    chosen = request.args.get("lang")
    if chosen in ("zh", "en"):
        session["lang"] = chosen
    return session.get("lang", "zh")


def register_blueprints(app: Flask) -> None:
    from .auth import bp as auth_bp
    from .calendars import bp as calendars_bp
    from .cases import bp as cases_bp
    from .deadlines import bp as deadlines_bp
    from .editor import bp as editor_bp
    from .outbox import bp as outbox_bp
    from .packs import bp as packs_bp
    from .rewards import bp as rewards_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(deadlines_bp)
    app.register_blueprint(packs_bp)
    app.register_blueprint(calendars_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(editor_bp)
    app.register_blueprint(rewards_bp)


def register_errorhandlers(app: Flask) -> None:
    def render_error(error: HTTPException):
        code = error.code or 500
        title = ERROR_TITLES.get(code, "出错了")
        return render_template("errors.html", code=code, title=title, message=error.description), code

    for code in ERROR_TITLES:
        app.register_error_handler(code, render_error)

    # A case or task the user may not see is a 404, an act they may not do a 403, on every blueprint.
    from .casework import Forbidden, NotFound

    def refused_with(code: int):
        def refused(error):
            return render_template("errors.html", code=code, title=ERROR_TITLES[code], message=str(error)), code
        return refused

    app.register_error_handler(NotFound, refused_with(404))
    app.register_error_handler(Forbidden, refused_with(403))


def register_template_filters(app: Flask) -> None:
    from markupsafe import Markup, escape

    from .cases.formview import display_value, option_label, say

    app.add_template_filter(display_value, "display_value")
    app.add_template_filter(say, "say")
    app.add_template_global(option_label, "option_label")

    @app.template_filter("markdown_lite")
    def markdown_lite(text: str | None) -> Markup:
        """form-js text components: headings and paragraphs only, everything escaped."""
        lines = []
        for line in (text or "").splitlines():
            stripped = line.lstrip("#").strip()
            if line.startswith("#"):
                lines.append(Markup("<h3>{}</h3>").format(stripped))
            elif stripped:
                lines.append(Markup("<p>{}</p>").format(stripped))
        return Markup("").join(lines) if lines else escape("")

    @app.template_filter("local_time")
    def local_time(value: datetime | None) -> str:
        """Instants in Asia/Shanghai, YYYY-MM-DD HH:MM."""
        from zoneinfo import ZoneInfo

        if value is None:
            return ""
        if value.tzinfo is None:
            from datetime import timezone

            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")

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
