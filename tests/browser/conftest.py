"""Browser fixtures: the app served on a free local port, and Debian's chromium driven by Playwright.

The pages need the bundled viewers (webapp/static/dist/), built by `make install`; without them
the tests fail and say so — a missing bundle is a broken install, not a reason to skip.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from engine.packs import DEFAULT_ROOT
from tests.support.once_per_session import TEMPLATES
from webapp import create_app
from webapp.extensions import db

REPO = Path(__file__).resolve().parents[2]
VIEWER_BUNDLE = REPO / "webapp" / "static" / "dist" / "viewer.js"
FIXTURE_PACKS = REPO / "tests" / "webapp" / "fixture_packs"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _require_bundle() -> None:
    if not VIEWER_BUNDLE.is_file():
        pytest.fail(
            f"{VIEWER_BUNDLE.relative_to(REPO)} is missing: the bpmn.io viewers are not built — run make install "
            "(npm ci --no-audit --no-fund && node build.mjs)",
            pytrace=False,
        )


class LiveServer:
    """The app served by werkzeug in a background thread."""

    def __init__(self, packs_root: Path | str):
        database = Path(tempfile.mkdtemp(prefix="clueflow-browser-")) / "app.sqlite"
        app = create_app(
            {
                "TESTING": True,
                "TEMPLATE_BYTECODE_CACHE": TEMPLATES,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                "CLUEFLOW_PACKS_ROOT": str(packs_root),
            }
        )
        with app.app_context():  # the pack pages read the versions in force, seeded from the root
            db.create_all()
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def fixture_packs() -> Path:
    return FIXTURE_PACKS


@pytest.fixture(scope="module")
def shipped_server():
    """The app over the shipped packs."""
    _require_bundle()
    with LiveServer(DEFAULT_ROOT) as server:
        yield server


@pytest.fixture(scope="module")
def fixture_server():
    """The app over the tiny pack tree of tests/webapp/fixture_packs."""
    _require_bundle()
    with LiveServer(FIXTURE_PACKS) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _aborted_icon(request) -> bool:
    """The tab icon's request, cancelled because the page moved on before it arrived (not a fault)."""
    return request.url.endswith("/favicon.svg") and "ERR_ABORTED" in (request.failure or "")


@pytest.fixture
def page(browser):
    """A fresh page; `page.problems` collects console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.problems = []
    page.on("console", lambda msg: msg.type == "error" and page.problems.append(f"console: {msg.text}"))
    page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
    page.on(
        "requestfailed",
        lambda request: _aborted_icon(request) or page.problems.append(f"request failed: {request.url}"),
    )
    page.set_default_timeout(30_000)  # the machine is shared; give slow renders room
    yield page
    context.close()


# --- the clerk's application on a real database ------------------------------------------------------


class AppServer(LiveServer):
    """An app already built (configured, migrated, seeded), served like LiveServer."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)


class FrozenClock:
    """The clerk's pages run on Monday 2026-03-02, 09:00 in Beijing: the engine's clock (deadlines,
    case numbers) and the date the intake form and the inbox count from. The dates the tests type
    lie in a year whose working-day calendar is confirmed. The app calls it (CLUEFLOW_CLOCK)."""

    def __init__(self):
        from datetime import datetime, timezone

        self.now = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def set(self, day: str) -> None:
        """Move to 09:00 Beijing time of a date ('YYYY-MM-DD')."""
        from datetime import date, datetime, time, timezone
        from zoneinfo import ZoneInfo

        when = datetime.combine(date.fromisoformat(day), time(9, 0), ZoneInfo("Asia/Shanghai"))
        self.now = when.astimezone(timezone.utc)

    def today(self):
        from zoneinfo import ZoneInfo

        return self.now.astimezone(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="module")
def clerk_clock():
    """The frozen clock, given to the app as CLUEFLOW_CLOCK; also set where the engine and the pages
    read the time directly (the system clock of engine.runner, the `date` of the clerk's views), for
    app code that does not take CLUEFLOW_CLOCK."""
    from datetime import date, datetime

    import engine.runner
    import webapp.web.cases.views

    clock = FrozenClock()

    class EngineDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now.astimezone(tz) if tz else clock.now.replace(tzinfo=None)

    class PageDate(date):
        @classmethod
        def today(cls):
            return clock.today()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine.runner, "datetime", EngineDatetime)
        if hasattr(webapp.web.cases.views, "date"):
            patch.setattr(webapp.web.cases.views, "date", PageDate)
        yield clock


@pytest.fixture(scope="module")
def clerk_server(tmp_path_factory, clerk_clock, seeded_databases):
    """The clerk's app as deployed (CSRF on) on a fresh SQLite file, migrated and seeded with the demo
    bureaus and users (webapp.usecases.demo.seed_demo, password demo12345): a copy of the session's seeded file."""

    _require_bundle()
    folder = tmp_path_factory.mktemp("clerk")
    app = create_app(
        {
            "TESTING": True,
            "TEMPLATE_BYTECODE_CACHE": TEMPLATES,
            "WTF_CSRF_ENABLED": True,
            "SQLALCHEMY_DATABASE_URI": seeded_databases.sqlite_at(folder / "clerk.sqlite"),
            "CLUEFLOW_PACKS_ROOT": str(DEFAULT_ROOT),
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "CLUEFLOW_CLOCK": clerk_clock,
        }
    )
    with AppServer(app) as server:
        yield server
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def clerk_page(page):
    """`page`, where `page.problems` also collects every response the server answered with an error."""
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and page.problems.append(f"HTTP {response.status}: {response.request.method} {response.url}")
        ),
    )
    return page
