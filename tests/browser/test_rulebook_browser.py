"""The rule book in a real browser without the JavaScript editors: a policy editor opens a draft from the
nav, changes the Urumqi floor in the file's text box, saves, and sees the red examples and, for a broken
cell, the problem at its rule and column. (The full issue-4 journey with dmn-js is written at merge.)"""

from __future__ import annotations

FLOOR_500 = """<outputEntry id="LiteralExpression_Rule_reward_terms_1_2">
          <text>500</text>"""


def _log_in(page, server, username):
    page.goto(f"{server.url}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("demo12345")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def test_a_policy_editor_changes_a_table_in_the_text_box_and_sees_the_checks(clerk_page, clerk_server):
    page = clerk_page
    _log_in(page, clerk_server, "wlmq-policy-editor")
    page.locator(".site-nav").get_by_role("link", name="规则管理").click()
    page.get_by_role("link", name="乌鲁木齐市").click()
    with page.expect_navigation():
        page.get_by_role("button", name="新建草稿").click()
    assert "已新建草稿" in page.locator(".alert").first.text_content()
    page.get_by_role("link", name="dmn/reward_amount.dmn").click()
    box = page.locator("textarea[name=text]")
    text = box.input_value()
    assert FLOOR_500 in text
    box.fill(text.replace(FLOOR_500, FLOOR_500.replace("500", "600")))
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert "已保存：0 个错误" in page.locator(".alert").first.text_content()
    red = page.locator("table.failed-examples tbody tr")
    assert red.count() == 7 and '"amount": 500' in red.first.text_content()
    assert page.get_by_role("button", name="提交审核").is_disabled()

    page.get_by_role("link", name="dmn/reward_amount.dmn").click()
    box = page.locator("textarea[name=text]")
    box.fill(box.input_value().replace("<text>600</text>", "<text>1 +</text>", 1))
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    row = page.locator("table.problems-table tbody tr.severity-error").first
    cells = [c.strip() for c in row.locator("td").all_text_contents()]
    assert cells[1:5] == ["dmn/reward_amount.dmn", "reward_terms", "1 (Rule_reward_terms_1)", "下限（元）"]
    assert "FEEL 语法错误" in cells[5] and "表达式不完整" in cells[5]
    assert page.problems == []
