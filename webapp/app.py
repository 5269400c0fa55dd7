"""The application factory: configuration, extensions, blueprints, error pages, template helpers."""

from __future__ import annotations

import os
import secrets

from flask import Flask, jsonify
from sqlalchemy import event, text

from webapp import config as settings
from webapp.extensions import babel, csrf, db, login_manager, migrate
from webapp.web.errorpages import register_error_pages
from webapp.web.filters import register_template_filters
from webapp.web.locale import selected_locale

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


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
    register_task_rules()
    register_blueprints(app)
    register_error_pages(app)
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
    babel.init_app(app, locale_selector=selected_locale)
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit
        app.config["MAX_CONTENT_LENGTH"] = 25 * 1024 * 1024  # the largest upload a request may carry
    # A text field past its length gets the field's own message with the form kept, not a 413 page:
    # the form's text parts may be as large as the request (each field then says how long it may be).
    app.config.setdefault("MAX_FORM_MEMORY_SIZE", app.config["MAX_CONTENT_LENGTH"])
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


def register_task_rules() -> None:
    """The processes whose tasks follow rules beyond their forms: report handling (RULES §B.15, CQF 第二十三条)
    and the reward process (URU 第十二至二十条)."""
    from webapp.store import taskrules
    from webapp.usecases import report_tasks
    from webapp.usecases.rewards import tasks as reward_tasks

    taskrules.register(report_tasks.PROCESS, report_tasks)
    taskrules.register(reward_tasks.PROCESS, reward_tasks)


def register_blueprints(app: Flask) -> None:
    from webapp.web.auth import bp as auth_bp
    from webapp.web.calendars import bp as calendars_bp
    from webapp.web.cases import bp as cases_bp
    from webapp.web.deadlines import bp as deadlines_bp
    from webapp.web.editor import bp as editor_bp
    from webapp.web.outbox import bp as outbox_bp
    from webapp.web.packs import bp as packs_bp
    from webapp.web.rewards import bp as rewards_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(deadlines_bp)
    app.register_blueprint(packs_bp)
    app.register_blueprint(calendars_bp)
    app.register_blueprint(outbox_bp)
    app.register_blueprint(editor_bp)
    app.register_blueprint(rewards_bp)


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
