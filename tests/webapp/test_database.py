"""The app reaches its database: SQLite in the instance folder by default, PostgreSQL in production."""

import os

import pytest

from webapp import create_app
from webapp.config import database_uri
from webapp.extensions import db

POSTGRES = os.environ.get("TEST_DATABASE_URL")


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    assert database_uri(None, str(tmp_path)) == f"sqlite:///{tmp_path}/clueflow.sqlite"


def test_postgres_urls_use_the_installed_driver():
    assert database_uri("postgresql://postgres@127.0.0.1:5432/test", "/x").startswith("postgresql+psycopg://")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        pytest.param(POSTGRES, marks=pytest.mark.skipif(not POSTGRES, reason="TEST_DATABASE_URL not set")),
    ],
)
def test_health_check_reaches_the_database(url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_uri(url, "/unused")})
    try:
        response = app.test_client().get("/healthz")
    finally:
        with app.app_context():
            db.engine.dispose()  # its connections closed here, not by the garbage collector in a later test
    assert response.status_code == 200, response.json
    assert response.json == {"status": "ok", "database": "ok"}


def test_health_check_reports_an_unreachable_database():
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unavailable"
