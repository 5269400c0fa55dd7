"""The Clueflow web application. `create_app` builds it; nothing happens at import time.

The factory lives in `webapp.app`; importing this package stays cheap so that the `clueflow`
command's rule-testing subcommands start without loading Flask and SQLAlchemy.
"""


def create_app(test_config: dict | None = None):
    """Build the Flask application (see `webapp.app.create_app`)."""
    from webapp.app import create_app as build

    return build(test_config)
