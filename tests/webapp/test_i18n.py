"""The pages speak Chinese by default and English on request (?lang=en, kept in the session)."""

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / "webapp" / "translations" / "en" / "LC_MESSAGES"


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "用户名" in page and "密码" in page
    assert "User name" not in page


def test_login_page_in_english_with_lang_en(client):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "User name" in page and "Password" in page and "Log in" in page
    assert "用户名" not in page


def test_the_chosen_language_is_kept_until_changed(client):
    client.get("/login?lang=en")
    assert "Password" in client.get("/login").get_data(as_text=True)
    assert "密码" in client.get("/login?lang=zh").get_data(as_text=True)
    assert "密码" in client.get("/login").get_data(as_text=True)


def test_the_header_offers_both_languages(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="?lang=zh"' in page and 'href="?lang=en"' in page


def test_error_pages_follow_the_language(client):
    assert "页面不存在" in client.get("/no-such-page").get_data(as_text=True)
    english = client.get("/no-such-page?lang=en").get_data(as_text=True)
    assert "Page not found" in english and "Back to the inbox" in english


def test_the_committed_mo_matches_the_po():
    with open(CATALOGUE / "messages.po", "rb") as po_file, open(CATALOGUE / "messages.mo", "rb") as mo_file:
        po, mo = read_po(po_file), read_mo(mo_file)
    wanted = {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}
    compiled = {m.id: m.string for m in mo if m.id}
    assert wanted == compiled, "messages.mo is stale: run .venv/bin/pybabel compile -d webapp/translations"
    assert all(m.string for m in po if m.id), "every message of the English catalogue is translated"


def test_messages_from_the_server_follow_the_language(clerk_app):
    """A refused login, spoken by Python code rather than a template, is translated too."""
    client = clerk_app.test_client()
    client.get("/login?lang=en")
    page = client.post("/login", data={"username": "nobody", "password": "x"}).get_data(as_text=True)
    assert "Wrong user name or password" in page and "用户名或密码不正确" not in page
    client.get("/login?lang=zh")
    page = client.post("/login", data={"username": "nobody", "password": "x"}).get_data(as_text=True)
    assert "用户名或密码不正确" in page


def test_every_message_the_python_code_shows_is_in_the_catalogue():
    catalogue = read_po((CATALOGUE / "messages.po").open("rb"))
    for msgid in (
        "案件已办结，不能办理此事项",
        "「%(task)s」已办理",
        "您已退出登录",
        "已登记，编号 %(number)s",
    ):
        assert catalogue[msgid] is not None and catalogue[msgid].string, msgid
