"""Fixtures for the web tests: an app over the shipped packs, and one over a tiny pack tree."""

from pathlib import Path

import pytest

from engine.packs import DEFAULT_ROOT
from webapp import create_app

FIXTURE_PACKS = Path(__file__).parent / "fixture_packs"


def _app_over(packs_root: Path | str):
    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "CLUEFLOW_PACKS_ROOT": str(packs_root)}
    )


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
