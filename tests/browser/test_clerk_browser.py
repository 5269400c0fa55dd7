"""A report carried from the 登记表 to the archive in a real browser, by the people whose job each step
is, the way they would do it: log in, click 登记举报, type the form, save; log out; the next person finds
the task in the inbox or on the case page, fills its form by its labels and submits it.

Every page along the way is checked for what a clerk sees (the case number, the diagram with the
current step, the working days left, messages in Chinese next to the field they concern) and for
console errors, uncaught exceptions, failed requests and error responses. Screenshots of the key
steps go to /tmp/clerk-shots/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Case, User

PASSWORD = "demo12345"
SHOTS = Path("/tmp/clerk-shots")
CJK = re.compile(r"[\u4e00-\u9fff]")

# What the clerks type, as in tests/webapp/clerk.py: dates as YYYY-MM-DD in March 2026 (the app's clock
# stands on Monday 2026-03-02), booleans tick or untick a box, other values choose an option or are typed.
REGISTRATION = dict(
    registered_on="2026-03-02",
    received_on="2026-03-02",
    source_channel="web",
    request_kind="report",
    fund_type="basic_medical",
    anonymous=False,
    reporter_kind="natural_person",
    reporter_name="张三",
    reporter_id_no="110101199001011237",
    reporter_phone="13800000000",
    subject_type="designated_pharmacy",
    content="串换药品，将保健品记入医保结算",
    act_location="本区",
    agreement_agency="district",
    has_evidence=True,
    repeat_of="none",
    recorder="李四",
    recorded_on="2026-03-02",
)
KEEP = dict(jurisdiction="keep", jurisdiction_reason="行为发生在本区")
ACCEPTABLE = dict(
    in_area=True,
    in_remit=True,
    has_subject=True,
    has_facts=True,
    has_evidence=True,
    repeat_of="none",
    new_facts=False,
    in_proceedings=False,
    other_authority=False,
    subject_extinct=False,
    accepted_on="2026-03-03",
    acceptance_opinion="符合受理条件",
)
FILED = dict(filed=True, filing_decided_on="2026-03-04", filing_no="LA-1", filing_opinion="同意立案")
NOTICE = dict(notice_sent_on="2026-03-05", notice_method="phone", notice_text="已电话告知举报人")
INVESTIGATED = dict(
    investigated_on="2026-03-20", investigation_record="现场检查，调取结算记录", extension_requested=False
)
CONCLUDED = dict(
    concluded_on="2026-04-01",
    findings="串换属实",
    verified=True,
    fund_loss=True,
    match="full",
    verified_loss="12000",
    handling_result="追回基金并处罚款",
)
RESULT = dict(notice_sent_on="2026-04-02", notice_method="letter", notice_text="已书面告知处理结果")
CLOSED = dict(closed_on="2026-04-10", closure_summary="办结")
ARCHIVED = dict(archived_on="2026-04-13", archive_no="DA-1", materials_complete=True)

OFFICER, HEAD = "case-officer", "division-head"
# (task as the pages name it, who does it, what they type). 立案审批 and 查结决定 are the division
# head's decisions (the officer could take them too: candidateGroups case_officer,division_head).
STEPS = [
    ("管辖审查", OFFICER, KEEP),
    ("受理审查", OFFICER, ACCEPTABLE),
    ("立案审批", HEAD, FILED),
    ("告知是否立案", OFFICER, NOTICE),
    ("调查核实", OFFICER, INVESTIGATED),
    ("查结决定", HEAD, CONCLUDED),
    ("告知处理结果", OFFICER, RESULT),
    ("办结登记", OFFICER, CLOSED),
    ("立卷归档", OFFICER, ARCHIVED),
]
# The tasks that run against a deadline, with its length in the inbox's 法律依据 column; the others
# show "—" (no deadline of their own).
DEADLINES = {
    "受理审查": "15 个工作日",
    "告知是否立案": "5 个工作日",
    "调查核实": "30 个工作日",
    "立卷归档": "5 个工作日",
}
# The day each step is done: the app's clock is moved there, as the days pass for the clerks.
REGISTERED_ON = "2026-03-02"
WORKED_ON = {
    "管辖审查": "2026-03-03",
    **{
        task: next(v for k, v in data.items() if k.endswith("_on"))
        for task, _, data in STEPS
        if task != "管辖审查"
    },
}


# --- what a person does ---------------------------------------------------------------------------------


def settled(page) -> None:
    """The page has loaded (with its styles and scripts) and nothing went wrong on it. The only page
    that goes on loading after that is the case page (its diagram): see wait_diagram."""
    page.wait_for_load_state("load")
    assert page.problems == [], f"{page.url}: {page.problems}"


def shot(page, name: str, **kwargs) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), **kwargs)


def log_in(page, server, username: str) -> None:
    page.goto(f"{server.url}/login")
    settled(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    settled(page)
    assert page.locator("h1").text_content().strip() == "待办任务", page.url
    assert page.locator(".whoami .user").is_visible()


def log_out(page) -> None:
    with page.expect_navigation():
        page.locator(".whoami").get_by_role("button", name="退出").click()
    settled(page)
    assert "您已退出登录" in page.locator("main").text_content()
    assert page.get_by_label("用户名").is_visible()


def field(page, key: str):
    """The field of the form on the page for a form key; insists it has a Chinese label."""
    holder = page.locator(f"form.formjs [data-key='{key}']")
    assert holder.count() == 1, f"no field {key} on {page.url}"
    label = holder.locator(".field-label").first.text_content().strip()
    assert CJK.search(label), f"the field {key} has no Chinese label: {label!r}"
    return holder


def fill_form(page, data: dict) -> None:
    """Type the data the way a person does: tick or untick boxes, click the radio option, choose from
    the list, type dates (YYYY-MM-DD) and text."""
    for key, value in data.items():
        holder = field(page, key)
        if holder.locator("input[type='radio']").count():
            holder.locator(f"input[type='radio'][value='{value}']").check()
        elif holder.locator("input[type='checkbox']").count():
            box = holder.locator("input[type='checkbox']")
            if value:
                box.check()
            else:
                box.uncheck()
        elif holder.locator("select").count():
            holder.locator("select").select_option(str(value))
        else:
            holder.locator("input, textarea").first.fill(str(value))


def submit(page, button: str = "提交") -> None:
    with page.expect_navigation():
        page.locator("form.formjs").get_by_role("button", name=button).click()
    settled(page)


def flash_messages(page) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in page.locator("main > p.alert").all_text_contents()]


def inbox_row(page, task: str, number: str):
    """The inbox row of a task of the case, or fails with what the inbox lists."""
    rows = (
        page.locator("table.inbox tbody tr")
        .filter(has_text=number)
        .filter(has=page.get_by_role("link", name=task, exact=True))
    )
    if rows.count() != 1:
        listed = [
            re.sub(r"\s+", " ", t).strip() for t in page.locator("table.inbox tbody tr").all_text_contents()
        ]
        pytest.fail(f"the inbox does not list 「{task}」 of {number} once; it lists {listed}")
    return rows


def wait_diagram(page) -> None:
    page.wait_for_selector("#case-diagram[data-state='ready'], #case-diagram[data-state='error']")
    assert page.get_attribute("#case-diagram", "data-state") == "ready", page.locator(
        "#case-diagram"
    ).text_content()
    assert page.locator("#case-diagram svg [data-element-id]").count() > 10  # the process is drawn
    mark = page.locator("#case-diagram .bjs-powered-by")
    assert mark.count() == 1 and mark.is_visible(), "no visible bpmn.io watermark on the case diagram"
    inner, outer = mark.bounding_box(), page.locator("#case-diagram").bounding_box()
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
    assert outer["y"] <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    assert page.problems == [], f"{page.url}: {page.problems}"


def active_steps(page) -> list[str]:
    return [
        el.get_attribute("data-element-id")
        for el in page.locator("#case-diagram .djs-element.cf-active").all()
    ]


def timeline(page) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in page.locator("ol.timeline > li").all_text_contents()]


def display_name(server, username: str) -> str:
    with server.app.app_context():
        name = db.session.execute(select(User.display_name).filter_by(username=username)).scalar_one()
        db.session.remove()
    return name


def case_count(server) -> int:
    with server.app.app_context():
        count = db.session.execute(select(func.count()).select_from(Case)).scalar_one()
        db.session.remove()
    return count


def open_registration_sheet(page, number: str, unit: str) -> list[str]:
    """Click the 登记表 link on the case page, check the sheet in its tab; returns what went wrong there
    (console errors with the URL they concern, failed requests, error responses)."""
    problems: list[str] = []
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="举报线索登记表（A4 打印）").click()
    sheet = opened.value
    sheet.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and problems.append(f"console: {msg.text} {msg.location.get('url', '')}".strip())
        ),
    )
    sheet.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    sheet.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    sheet.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}")
        ),
    )
    sheet.wait_for_load_state("networkidle")
    body = sheet.locator("body").text_content()
    assert "举报线索登记表" in body and number in body and unit in body, body[:500]
    sheet.close()
    return problems


# --- the journeys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("district", "prefix", "unit"),
    [
        ("cq-yuzhong", "CQ", "渝中某某大药房"),
        ("wlmq-tianshan", "WLMQ", "天山某某大药房"),
    ],
)
def test_a_report_is_carried_from_intake_to_archive_in_the_browser(
    clerk_page, clerk_server, clerk_clock, district, prefix, unit
):
    page, server = clerk_page, clerk_server
    clerk_clock.set(REGISTERED_ON)
    tag = prefix.lower()
    registrar, officer, head = (f"{district}-{role}" for role in ("registrar", OFFICER, HEAD))

    # -- the registrar opens 登记举报 from the menu ---------------------------------------------------
    log_in(page, server, registrar)
    shot(page, f"{tag}-01-registrar-inbox", full_page=True)
    with page.expect_navigation():
        page.locator(".site-nav").get_by_role("link", name="登记举报", exact=True).click()
    settled(page)
    assert page.locator("h1").text_content().strip() == "登记举报线索"
    # the form starts on today's date and the registrar's own name as recorder
    assert field(page, "registered_on").locator("input").input_value() == "2026-03-02"
    assert field(page, "recorder").locator("input").input_value() == display_name(server, registrar)

    # -- a required field left empty: the form comes back with the message next to that field --------
    before = case_count(server)
    fill_form(page, {**REGISTRATION, "content": ""})
    page.get_by_label("被举报单位名称").fill(unit)  # by its label, as a person finds it
    submit(page, "保存登记")
    assert page.locator("h1").text_content().strip() == "登记举报线索", "the form should be shown again"
    assert "请更正标出的内容后再提交" in page.locator("main").text_content()
    content = field(page, "content")
    errors = content.locator(".field-error")
    assert errors.count() >= 1 and errors.first.is_visible(), "no message next to 举报内容"
    message = errors.first.text_content().strip()
    assert CJK.search(message) and not re.search(r"[A-Za-z]{4,}", message), (
        f"not a Chinese message: {message!r}"
    )
    assert content.locator("textarea").get_attribute("aria-invalid") == "true"
    # only that field is marked; what was typed is still there; nothing was saved
    marked = [el.get_attribute("data-key") for el in page.locator("form.formjs [data-key].invalid").all()]
    assert marked == ["content"], marked
    assert field(page, "reported_unit_name").locator("input").input_value() == unit
    assert field(page, "reporter_name").locator("input").input_value() == "张三"
    assert field(page, "source_channel").locator("input[value='web']").is_checked()
    assert case_count(server) == before, "a 登记表 with an error was saved"
    shot(page, f"{tag}-02-intake-error", full_page=True)
    errors.first.scroll_into_view_if_needed()
    shot(page, f"{tag}-02-intake-error-field")

    # -- corrected and saved: the case page, its number and the diagram at 管辖审查 --------------------
    fill_form(page, {"content": REGISTRATION["content"]})
    submit(page, "保存登记")
    assert case_count(server) == before + 1
    number = page.locator("h1").text_content().split()[0]
    case_url = page.url
    assert re.fullmatch(rf"{prefix}-2026-\d+", number), number
    assert any(m.startswith(f"已登记，编号 {number}") for m in flash_messages(page)), flash_messages(page)
    assert "办理中" in page.locator("h1").text_content()
    wait_diagram(page)
    assert active_steps(page) == ["Task_Jurisdiction"], active_steps(page)
    assert page.locator("#case-diagram .djs-element.cf-done").count() >= 1  # the registration is behind it
    assert page.locator("ul.tasks").get_by_role("link", name="管辖审查").is_visible()
    assert unit in page.locator(".facts-grid").text_content()
    shot(page, f"{tag}-03-case-registered", full_page=True)
    page.locator(".card-diagram").screenshot(path=str(SHOTS / f"{tag}-03-case-diagram.png"))

    # the 登记表 prints from the case page (a new tab). The print page names no icon, so Chromium may ask
    # for /favicon.ico (a 404) the first time; that one is no fault of the page's own requests.
    sheet_problems = open_registration_sheet(page, number, unit)
    assert [p for p in sheet_problems if not p.endswith("/favicon.ico")] == [], sheet_problems
    log_out(page)

    # -- each step: its person finds it in the inbox (or, going on, on the case page) -------------------
    current = None
    for position, (task, role, data) in enumerate(STEPS):
        clerk_clock.set(WORKED_ON[task])
        user = f"{district}-{role}"
        if user != current:
            if current is not None:
                log_out(page)
            log_in(page, server, user)
            current = user
        elif task in DEADLINES:  # the same person goes back to the inbox to see what is due
            with page.expect_navigation():
                page.locator(".site-nav").get_by_role("link", name="待办", exact=True).click()
            settled(page)
        else:  # the same person goes on from the case page
            with page.expect_navigation():
                page.locator("ul.tasks").get_by_role("link", name=task, exact=True).click()
        from_inbox = page.locator("h1").text_content().strip() == "待办任务"
        if from_inbox:
            row = inbox_row(page, task, number)
            left = re.sub(r"\s+", " ", row.locator("td").nth(0).text_content()).strip()
            basis = re.sub(r"\s+", " ", row.locator("td").nth(5).text_content()).strip()
            assert unit in row.text_content()
            if task in DEADLINES:
                assert re.fullmatch(r"剩 \d+ 个工作日", left), f"{task}: {left!r}"
                assert re.search(r"第.+?[条款项].*：" + DEADLINES[task], basis), f"{task}: basis {basis!r}"
            else:
                assert (left, basis) == ("—", ""), (task, left, basis)
            if position in (0, 1):
                shot(page, f"{tag}-04-inbox-{position + 1}-{role}", full_page=True)
            with page.expect_navigation():
                row.get_by_role("link", name=task, exact=True).click()
        settled(page)
        assert page.locator("h1").text_content().strip() == task
        assert unit in page.locator(".page-head").text_content()
        if task in DEADLINES:  # the page repeats its deadline with basis and trigger date
            line = re.sub(r"\s+", " ", page.locator(".deadline-line").text_content()).strip()
            assert re.search(
                r"期限 \d{4}-\d{2}-\d{2} .*第.+?[条款项][^：]*：\d+ \S+，自 \d{4}-\d{2}-\d{2} 起算", line
            ), line
        fill_form(page, data)
        if position in (0, 1, 5):
            shot(page, f"{tag}-05-task-{position + 1}-{role}", full_page=True)
        submit(page)
        # Opened from the inbox, the task returns there, saying which case it was; else to the case.
        assert page.url.endswith("/") if from_inbox else page.url == case_url, page.url
        assert f"「{task}」已办理（{number}）" in flash_messages(page), (
            task,
            flash_messages(page),
            page.locator("main").text_content()[:1500],
        )
        page.goto(case_url)
        settled(page)
        assert page.locator("h1").text_content().split()[0] == number
        wait_diagram(page)
        if position + 1 < len(STEPS):
            following = STEPS[position + 1][0]
            assert page.locator("ul.tasks").get_by_role("link", name=following, exact=True).count() == 1, (
                following,
                page.locator("ul.tasks").text_content(),
            )
            assert len(active_steps(page)) == 1, active_steps(page)
        if position == 3:
            shot(page, f"{tag}-06-case-investigating", full_page=True)

    # -- closed: 已办结, no task left, every step on the timeline ------------------------------------
    assert "已办结" in page.locator("h1").text_content()
    assert "案件已办结。" in page.locator(".card-tasks").text_content()
    assert page.locator("ul.tasks").count() == 0
    assert active_steps(page) == []
    assert page.locator("#case-diagram .djs-element.cf-done[data-element-id='Task_Archive']").count() == 1
    lines = timeline(page)
    assert display_name(server, registrar) in lines[0] and "登记" in lines[0] and number in lines[0], lines
    worked = [line for line in lines if "办理「" in line]
    assert [re.search(r"办理「(.+?)」", line).group(1) for line in worked] == [
        task for task, _, _ in STEPS
    ], lines
    for line, (task, role, _) in zip(worked, STEPS, strict=True):
        assert display_name(server, f"{district}-{role}") in line, (task, line)
    assert all(re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} ", line) for line in lines), lines
    shot(page, f"{tag}-07-case-archived", full_page=True)

    # the registrar's case list shows it closed too
    log_out(page)
    log_in(page, server, registrar)
    assert page.locator("table.inbox tbody tr").filter(has_text=number).count() == 0
    with page.expect_navigation():
        page.locator(".site-nav").get_by_role("link", name="案件", exact=True).click()
    settled(page)
    listed = page.locator("table tbody tr").filter(has_text=number)
    assert listed.count() == 1 and "已办结" in listed.text_content()
    assert page.problems == []
