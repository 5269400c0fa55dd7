"""What the web and browser tests build once per session: seeded databases and compiled templates.

Migrating (ten revisions) and seeding (six packs' bureaus and 126 users) cost more than most steps a
test checks, so each kind of database is built once per session as a template and every test gets a
copy of it: the SQLite file copied, on PostgreSQL `CREATE DATABASE … TEMPLATE`. The demo users get a
cheap password hash here (one round of PBKDF2) so that a login costs microseconds, not the
production hash's ~70 ms; the login code is the same, only the stored hash differs. The shipped packs'
first versions are published in the template too, as the first page of a new database would.

Each app builds its own Jinja environment, which would compile every template again; the apps of a
session share one in-memory bytecode cache instead (TEMPLATE_BYTECODE_CACHE).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import jinja2
import pytest

TEST_PASSWORD_METHOD = "pbkdf2:sha256:1"
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def _migrate_and_seed(uri: str, engine_options: dict | None = None) -> None:
    from flask_migrate import upgrade

    from webapp import create_app
    from webapp.extensions import db
    from webapp.store import packindex
    from webapp.usecases.demo import seed_demo

    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri}
    if engine_options:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    app = create_app(config)
    with app.app_context():
        upgrade()
        seed_demo(password_method=TEST_PASSWORD_METHOD)
        packindex.ensure_seeded()
        db.session.remove()
        db.engine.dispose()  # the last connection closed: SQLite folds its write-ahead log into the file


class SeededDatabases:
    """The session's template databases, made on first use; `sqlite_at` and `postgresql` hand out copies."""

    def __init__(self, folder: Path):
        self._folder = folder
        self._sqlite: Path | None = None
        self._postgres: str | None = None  # the template database's name
        self._admin = None

    def sqlite_at(self, path: Path) -> str:
        """A migrated, seeded SQLite file at `path`; returns its URI."""
        if self._sqlite is None:
            template = self._folder / "template.sqlite"
            _migrate_and_seed(f"sqlite:///{template}")
            self._sqlite = template
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._sqlite, path)
        return f"sqlite:///{path}"

    def postgresql(self) -> tuple[str, callable]:
        """A new migrated, seeded PostgreSQL database on TEST_DATABASE_URL's server; returns its URI
        and the function that drops it."""
        import sqlalchemy as sa

        from webapp.config import database_uri

        base = sa.engine.make_url(database_uri(POSTGRES_URL, "/unused"))
        if self._admin is None:
            self._admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        if self._postgres is None:
            name = "clueflow_template_" + uuid.uuid4().hex[:10]
            with self._admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            _migrate_and_seed(base.set(database=name).render_as_string(hide_password=False))
            self._postgres = name
        copy = "clueflow_test_" + uuid.uuid4().hex[:12]
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{copy}" TEMPLATE "{self._postgres}" STRATEGY FILE_COPY'))

        def drop() -> None:
            with self._admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))

        return base.set(database=copy).render_as_string(hide_password=False), drop

    def close(self) -> None:
        if self._admin is not None and self._postgres is not None:
            import sqlalchemy as sa

            with self._admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self._postgres}" WITH (FORCE)'))
        if self._admin is not None:
            self._admin.dispose()


def clerk_app_on(database: str, tmp_path, csrf: bool, seeded, clock=None):
    """A migrated, demo-seeded app on a database of its own: a copy of the session's seeded SQLite
    file, or a new PostgreSQL database made from the session's template (dropped afterwards)."""
    config = {
        "TESTING": True,
        "TEMPLATE_BYTECODE_CACHE": TEMPLATES,
        "WTF_CSRF_ENABLED": csrf,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "CLUEFLOW_CLOCK": clock,
    }
    cleanup = None
    if database == "sqlite":
        config["SQLALCHEMY_DATABASE_URI"] = seeded.sqlite_at(tmp_path / "clerk.sqlite")
    else:
        config["SQLALCHEMY_DATABASE_URI"], cleanup = seeded.postgresql()
    from webapp import create_app

    return create_app(config), cleanup


def dispose_app(app, cleanup) -> None:
    """Close an app's connections, then drop its database (clerk_app_on's cleanup)."""
    from webapp.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if cleanup:
        cleanup()


@pytest.fixture(scope="session")
def seeded_databases(tmp_path_factory):
    """Migrated, demo-seeded databases to copy (see SeededDatabases)."""
    databases = SeededDatabases(tmp_path_factory.mktemp("seeded"))
    yield databases
    databases.close()


class SharedTemplateCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for every app of the session (keyed by name and source)."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self._compiled.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = SharedTemplateCache()
