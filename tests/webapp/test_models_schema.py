"""The models and the migrations describe the same schema: on a freshly migrated database (SQLite,
and PostgreSQL when TEST_DATABASE_URL is set) Alembic finds nothing to generate."""

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from webapp import create_app
from webapp.config import database_uri
from webapp.extensions import db

POSTGRES = os.environ.get("TEST_DATABASE_URL")


@pytest.mark.parametrize(
    "database",
    [
        "sqlite",
        pytest.param(
            "postgresql", marks=pytest.mark.skipif(not POSTGRES, reason="TEST_DATABASE_URL not set")
        ),
    ],
)
def test_migrated_database_matches_the_models(database, tmp_path):
    config = {"TESTING": True}
    admin = schema = None
    if database == "sqlite":
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'schema.sqlite'}"
    else:
        uri = database_uri(POSTGRES, str(tmp_path))
        schema = "models_" + uuid.uuid4().hex[:12]
        admin = sa.create_engine(uri, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        config["SQLALCHEMY_DATABASE_URI"] = uri
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    app = create_app(config)
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(
                    conn, opts={"compare_type": True, "compare_server_default": True}
                )
                differences = compare_metadata(context, db.metadata)
            db.engine.dispose()
        assert differences == []
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
