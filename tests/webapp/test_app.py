"""The app factory, its configuration from the environment, and the health check."""

import os
import stat

from webapp import config, create_app


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_the_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    settings = config.from_environment(str(tmp_path), environ={})
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/clueflow.sqlite"
    assert "SECRET_KEY" not in settings


def test_database_url_and_packs_root_come_from_the_environment(tmp_path):
    environ = {
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
        "CLUEFLOW_PACKS_ROOT": "/srv/packs",
        "SECRET_KEY": "from-the-environment",
    }
    settings = config.from_environment(str(tmp_path), environ=environ)
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert settings["CLUEFLOW_PACKS_ROOT"] == "/srv/packs"
    assert settings["SECRET_KEY"] == "from-the-environment"
    assert config.database_uri("sqlite:////var/clueflow.db", "x") == "sqlite:////var/clueflow.db"


def test_the_secret_key_file_is_created_once_and_kept_private(tmp_path):
    folder = tmp_path / "instance"
    key = config.instance_secret_key(str(folder))
    assert len(key) == 64
    assert config.instance_secret_key(str(folder)) == key
    mode = stat.S_IMODE(os.stat(folder / "secret_key").st_mode)
    assert mode == 0o600


def test_test_config_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@nowhere/none")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.config["SECRET_KEY"]


def test_an_unknown_page_is_a_404_in_chinese(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
