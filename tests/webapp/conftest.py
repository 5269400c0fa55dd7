"""Fixtures for the web tests: an app over the shipped packs, and one over a tiny pack tree."""

from pathlib import Path

import pytest

from engine.packs import DEFAULT_ROOT
from tests.support.once_per_session import POSTGRES_URL, TEMPLATES, clerk_app_on, dispose_app
from webapp import create_app

FIXTURE_PACKS = Path(__file__).parent / "fixture_packs"


def _app_over(packs_root: Path | str):
    """An app over a packs root, on a new SQLite file with the tables made (the pack pages read the
    versions in force, which the rule book seeds from the root on first use)."""
    import tempfile

    from webapp.extensions import db

    database = Path(tempfile.mkdtemp(prefix="clueflow-packs-")) / "app.sqlite"
    app = create_app(
        {
            "TESTING": True,
            "TEMPLATE_BYTECODE_CACHE": TEMPLATES,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "CLUEFLOW_PACKS_ROOT": str(packs_root),
        }
    )
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def make_app():
    """Build a test app over any packs root."""
    return _app_over


@pytest.fixture
def fixture_packs() -> Path:
    """The root of the tiny pack tree: `base`, and `child` which overrides dmn/triage."""
    return FIXTURE_PACKS


@pytest.fixture
def app():
    return _app_over(DEFAULT_ROOT)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def fixture_app():
    return _app_over(FIXTURE_PACKS)


@pytest.fixture
def fixture_client(fixture_app):
    return fixture_app.test_client()


# -- the clerk's application on a real database (SQLite file, and PostgreSQL when TEST_DATABASE_URL is set) --


def _clerk_databases():
    return [
        "sqlite",
        pytest.param(
            "postgresql", marks=pytest.mark.skipif(not POSTGRES_URL, reason="TEST_DATABASE_URL not set")
        ),
    ]


class ClerkClock:
    """The time the clerk's pages run at: the engine's clock (timers, deadlines, case numbers) and the
    date the inbox counts working days from. Starts on Monday 2026-03-02, 09:00 in Beijing."""

    def __init__(self):
        from datetime import datetime, timezone

        self.now = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)

    def set(self, when) -> None:
        """Move to an instant (aware datetime) or to 09:00 Beijing of a date ('YYYY-MM-DD')."""
        from datetime import date, datetime, time, timezone
        from zoneinfo import ZoneInfo

        if isinstance(when, str):
            when = date.fromisoformat(when)
        if not isinstance(when, datetime):
            when = datetime.combine(when, time(9, 0), ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)
        self.now = when

    def __call__(self):
        """The clock as the app calls it: the current instant."""
        return self.now

    def today(self):
        from zoneinfo import ZoneInfo

        return self.now.astimezone(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture
def clerk_clock():
    """Freeze the clerk's time (see ClerkClock): the app is built with it as its clock
    (CLUEFLOW_CLOCK); tests move it with `clerk_clock.set(...)`."""
    return ClerkClock()


@pytest.fixture(params=_clerk_databases())
def clerk_app(request, tmp_path, clerk_clock, seeded_databases):
    """The clerk's app with CSRF off (tests post forms without fetching tokens)."""
    app, cleanup = clerk_app_on(request.param, tmp_path, False, seeded_databases, clock=clerk_clock)
    yield app
    dispose_app(app, cleanup)


@pytest.fixture(params=_clerk_databases())
def clerk_app_csrf(request, tmp_path, clerk_clock, seeded_databases):
    """The clerk's app as deployed: CSRF protection on."""
    app, cleanup = clerk_app_on(request.param, tmp_path, True, seeded_databases, clock=clerk_clock)
    yield app
    dispose_app(app, cleanup)


@pytest.fixture
def intake_app(tmp_path, seeded_databases):
    """A migrated, demo-seeded app on a SQLite file, CSRF off, uploads under tmp_path/"up"."""
    return create_app(
        {
            "TESTING": True,
            "TEMPLATE_BYTECODE_CACHE": TEMPLATES,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": seeded_databases.sqlite_at(tmp_path / "t.sqlite"),
            "UPLOAD_FOLDER": str(tmp_path / "up"),
        }
    )
