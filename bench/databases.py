"""The databases the service-layer benches run on: a fresh SQLite file always, and PostgreSQL when
BENCH_DATABASE_URL or TEST_DATABASE_URL is set.

BENCH_DATABASE_URL names a database the bench may empty (every table is dropped and migrated again).
TEST_DATABASE_URL is the test suite's database: the bench never touches it, it creates and uses a
sibling database `clueflow_bench` on the same server instead.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

from engine.packs import DEFAULT_ROOT

BENCH_DB_NAME = "clueflow_bench"


def targets() -> list[tuple[str, str]]:
    """(label, SQLAlchemy URL) of each database to bench: SQLite first, PostgreSQL when configured."""
    from webapp.config import database_uri

    folder = Path(tempfile.mkdtemp(prefix="clueflow-bench-"))
    found = [("SQLite", f"sqlite:///{folder / 'bench.sqlite'}")]
    if os.environ.get("BENCH_DATABASE_URL"):
        found.append(("PostgreSQL", database_uri(os.environ["BENCH_DATABASE_URL"], "/unused")))
    elif os.environ.get("TEST_DATABASE_URL"):
        found.append(
            ("PostgreSQL", _sibling_database(database_uri(os.environ["TEST_DATABASE_URL"], "/unused")))
        )
    return found


def _sibling_database(url: str) -> str:
    """The `clueflow_bench` database next to the one `url` names, created when missing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": BENCH_DB_NAME}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{BENCH_DB_NAME}"'))
    engine.dispose()
    return base.set(database=BENCH_DB_NAME).render_as_string(hide_password=False)


def fresh_app(url: str):
    """An app on `url` with every table dropped, the migrations applied and the demo data seeded."""
    from flask_migrate import upgrade
    from sqlalchemy import MetaData

    from webapp import create_app
    from webapp.extensions import db
    from webapp.usecases.demo import seed_demo

    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "CLUEFLOW_PACKS_ROOT": str(DEFAULT_ROOT)}
    )
    with app.app_context():
        meta = MetaData()
        meta.reflect(db.engine)
        meta.drop_all(db.engine)
        # Alembic configures logging from alembic.ini; its INFO lines are not bench output.
        with contextlib.redirect_stderr(io.StringIO()):
            upgrade()
        seed_demo()
    return app


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")
