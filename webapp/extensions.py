"""Flask extensions, created unbound; `create_app` binds them to an app."""

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()
