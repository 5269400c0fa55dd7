"""Configuration from the environment: secret key, database URL, where the rule packs live."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Mapping

from engine.packs import DEFAULT_ROOT

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "clueflow.sqlite"


def from_environment(instance_path: str, environ: Mapping[str, str] = os.environ) -> dict:
    """The settings the environment gives, with defaults in the instance folder (no secret key yet)."""
    config: dict = {
        "SQLALCHEMY_DATABASE_URI": database_uri(environ.get("DATABASE_URL"), instance_path),
        "CLUEFLOW_PACKS_ROOT": environ.get("CLUEFLOW_PACKS_ROOT") or str(DEFAULT_ROOT),
    }
    if environ.get("SECRET_KEY"):
        config["SECRET_KEY"] = environ["SECRET_KEY"]
    return config


def database_uri(url: str | None, instance_path: str) -> str:
    """DATABASE_URL as SQLAlchemy wants it; without one, a SQLite file in the instance folder."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / SQLITE_FILE)
    # PostgreSQL is reached through psycopg 3, the driver the project installs.
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def instance_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder, created on first use, readable by the owner only."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        key = ""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key
