"""What the browser tests of one person's errand share: a page that loaded cleanly, a screenshot to
look at, logging in and out the way a clerk does."""

from __future__ import annotations

from pathlib import Path

PASSWORD = "demo12345"
SHOTS = Path("/tmp/clerk-shots")


def settled(page) -> None:
    """The page has loaded and nothing went wrong on it (page.problems, see conftest.py)."""
    page.wait_for_load_state("load")
    assert page.problems == [], f"{page.url}: {page.problems}"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, server, username: str) -> None:
    """Log out whoever is logged in, then log in as `username` on the login page."""
    if page.locator(".whoami").count():
        with page.expect_navigation():
            page.locator(".whoami").get_by_role("button", name="退出").click()
    page.goto(f"{server.url}/login")
    settled(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    settled(page)
