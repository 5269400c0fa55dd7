"""Issue 4's acceptance test in a real browser: Urumqi raises its reward floor from 500 to 600 yuan.

A policy editor of the city bureau opens a draft of the urumqi pack, changes the floor cell of
dmn/reward_amount.dmn in dmn-js, saves, sees the shipped 8,000-yuan example (5% = 400, so the floor
applies) turn red with the others the floor now catches, updates them in the examples table, and
submits citing 乌医保规〔2026〕1号. The bureau head approves (four eyes) and publishes. A case
registered before the publication keeps the version it started on and is paid 500; a case
registered afterwards starts on the new version and is paid 600. Screenshots go to
/tmp/rulebook-shots/.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select
from test_clerk_browser import REGISTRATION, log_in, log_out, settled

from webapp.extensions import db
from webapp.models import Case, User
from webapp.store.packversions import compiled_version
from webapp.usecases import casework

SHOTS = Path("/tmp/rulebook-shots")
DOCUMENT = "乌医保规〔2026〕1号"
# The shipped example: an ordinary report with basic evidence, 8,000 yuan of fund loss.
EIGHT_THOUSAND = {
    "criminal": False,
    "evidence_tier": "basic",
    "reporter_category": "ordinary",
    "decision_date": datetime.date(2026, 6, 1),
    "base_amount": Decimal("8000"),
}


def shot(page, name: str, part: str | None = None) -> None:
    """The page, or one part of it (a CSS selector), as a PNG in /tmp/rulebook-shots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    if part:
        page.locator(part).first.screenshot(path=str(SHOTS / f"{name}.png"))
    else:
        page.screenshot(path=str(SHOTS / f"{name}.png"))


def register_case(server, unit: str) -> int:
    """A report registered by the Tianshan district registrar through the service layer."""
    with server.app.test_request_context():
        registrar = db.session.execute(
            select(User).filter_by(username="wlmq-tianshan-registrar")
        ).scalar_one()
        case = casework.register_report(registrar, {**REGISTRATION, "reported_unit_name": unit})
        case_id = case.id
        db.session.remove()
    return case_id


def reward_for(server, case_id: int) -> tuple[str, dict]:
    """The case's pack version and what reward_amount of that version pays for 8,000 yuan."""
    with server.app.test_request_context():
        case = db.session.get(Case, case_id)
        version = case.pack_version
        outputs = compiled_version(case.pack, version).decide("reward_amount", EIGHT_THOUSAND)
        db.session.remove()
    return version, outputs


def assert_watermark(page, box: str) -> None:
    """The bpmn.io mark is shown inside the dmn-js canvas (its licence requires it)."""
    mark = page.locator(f"{box} .bjs-powered-by").first
    mark.scroll_into_view_if_needed()
    expect(mark).to_be_visible()
    inner, outer = mark.bounding_box(), page.locator(box).bounding_box()
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
    assert outer["y"] <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1


def save_in_editor(page) -> str:
    page.click("[data-role=save]")
    status = page.locator("[data-role=save-status]:is([data-state=saved], [data-state=error])")
    status.wait_for()
    return status.text_content()


def test_urumqi_raises_its_reward_floor_to_600_and_only_new_cases_get_it(clerk_page, clerk_server):
    page = clerk_page
    before = register_case(clerk_server, "天山某某诊所")

    # --- the policy editor opens a draft and changes the floor in dmn-js ----------------------------
    log_in(page, clerk_server, "wlmq-policy-editor")
    page.locator(".site-nav").get_by_role("link", name="规则管理").click()
    page.get_by_role("link", name="乌鲁木齐市").click()
    with page.expect_navigation():
        page.get_by_role("button", name="新建草稿").click()
    settled(page)
    assert "已新建草稿" in page.locator(".alert").first.text_content()
    draft_url = page.url
    page.get_by_role("link", name="dmn/reward_amount.dmn").click()
    page.wait_for_selector("[data-editor][data-state='ready'], [data-editor][data-state='error']")
    assert page.get_attribute("[data-editor]", "data-state") == "ready", page.text_content(
        "[data-role=save-status]"
    )
    assert_watermark(page, ".cf-dmn-area")
    shot(page, "1-dmn-js-opened")

    page.click(".cf-dmn-tabs button[data-view-id='reward_terms']")
    cell = page.locator("td[data-row-id='Rule_reward_terms_1'][data-col-id='Output_reward_terms_2']")
    assert cell.text_content().strip() == "500"
    cell.locator("[contenteditable]").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("600")
    page.click(".cf-editor-head h1")  # leave the cell
    expect(page.locator("[data-role=save-status]")).to_have_attribute("data-state", "dirty")
    assert_watermark(page, ".cf-dmn-area")
    status = save_in_editor(page)
    assert status.startswith("已保存") and "错误" not in status and "7 个示例未通过" in status, status

    # The examples turn red on the editor page: the 8,000-yuan one first.
    examples = page.locator("[data-role=examples]")
    expect(examples).to_have_attribute("data-state", "failed")
    assert "7 个未通过" in examples.text_content()
    first = page.locator("[data-role=examples] li.cf-example-failed").first
    assert "reward_amount" in first.text_content() and "示例 1" in first.text_content()
    assert "amount 期望 500，实际 600" in first.text_content()
    assert "5% = 400 is below the 500 floor" in first.text_content()  # the example's note says which it is
    shot(page, "2-floor-600-saved-examples-red")

    # The draft page says the same and will not let it be submitted.
    with page.expect_navigation():
        page.locator("[data-role=back]").click()
    settled(page)
    red = page.locator("table.failed-examples tbody tr")
    assert red.count() == 7
    cells = [c.strip() for c in red.first.locator("td").all_text_contents()]
    assert cells[:5] == ["reward_amount", "示例 1", "amount", '{"amount": 500}', '{"amount": 600}'], cells
    assert page.get_by_role("button", name="提交审核").is_disabled()
    shot(page, "3-draft-blocked-by-red-examples", "main")
    shot(page, "3b-draft-red-examples", "section.examples-summary")
    shot(page, "3c-draft-workflow", "section.workflow")

    # --- the examples table: the 8,000-yuan row is red; every row the floor now catches pays 600 ----
    page.locator(".decision-links li", has_text="reward_amount").get_by_role("link", name="示例表").click()
    settled(page)
    row_8000 = page.locator("table.examples-table tbody tr[data-row='1']")
    assert row_8000.locator("input[name='input:base_amount-1']").input_value() == "8000"
    assert "red" in row_8000.get_attribute("class")
    assert row_8000.locator("td.wrong input").get_attribute("name") == "expect:amount-1"
    assert "amount 实际 600" in row_8000.locator("td.result").text_content()
    shot(page, "4-examples-table-red")
    red_rows = [r.get_attribute("data-row") for r in page.locator("table.examples-table tbody tr.red").all()]
    assert len(red_rows) == 7 and red_rows[0] == "1"
    for n in red_rows:
        page.locator(f"input[name='expect:amount-{n}']").fill("600")
        page.locator(f"input[name='expect:floor_applied-{n}']").fill("true")
    with page.expect_navigation():
        page.get_by_role("button", name="保存示例").click()
    settled(page)
    assert "0 个未通过" in page.locator(".alert").first.text_content()
    assert page.locator("table.examples-table tbody tr.red").count() == 0
    assert page.locator("input[name='expect:amount-1']").input_value() == "600"
    shot(page, "5-examples-table-green")

    # --- submit with the document it implements ------------------------------------------------
    page.goto(draft_url)
    settled(page)
    assert page.locator("table.failed-examples").count() == 0
    page.get_by_label("修改依据（文件文号）").fill(f"依据{DOCUMENT}，举报奖励下限由500元提高到600元")
    with page.expect_navigation():
        page.get_by_role("button", name="提交审核").click()
    settled(page)
    assert "已提交审核" in page.locator(".alert").first.text_content()
    assert DOCUMENT in page.locator("dd.comment").text_content()
    assert page.get_by_role("button", name="审核通过").is_disabled()  # not by its own author, and it says so
    assert "不能审核自己起草的修改" in page.locator("section.workflow").text_content()
    shot(page, "6-submitted", "section.workflow")
    log_out(page)

    # --- a second user approves and publishes --------------------------------------------------
    log_in(page, clerk_server, "wlmq-bureau-head")
    page.goto(draft_url)
    settled(page)
    with page.expect_navigation():
        page.get_by_role("button", name="审核通过").click()
    settled(page)
    assert "已审核通过" in page.locator(".alert").first.text_content()
    with page.expect_navigation():
        page.get_by_role("button", name="发布").click()
    settled(page)
    assert "已发布" in page.locator(".alert").first.text_content()
    shot(page, "7-published", "header.page-head")
    assert page.problems == []

    # --- the case started before keeps 500; a case started now gets 600 ------------------------
    after = register_case(clerk_server, "天山另一家药房")
    old_version, old = reward_for(clerk_server, before)
    new_version, new = reward_for(clerk_server, after)
    assert old_version != new_version
    assert old["amount"] == 500 and old["floor_applied"] is True
    assert new["amount"] == 600 and new["floor_applied"] is True
