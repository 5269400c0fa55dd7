"""A reporter withdraws after the case was opened (CQH 第二十三条): the investigation goes on, the result
is not told to the reporter. A withdrawal at intake lets the handling go on as well."""

from __future__ import annotations

import re

from clerk import (
    ACCEPTABLE,
    ACCEPTANCE,
    ARCHIVE,
    ARCHIVED,
    CLOSED,
    CLOSURE,
    CONCLUDED,
    CONCLUSION,
    FILED,
    FILING,
    FILING_NOTICE,
    INVESTIGATED,
    INVESTIGATION,
    JURISDICTION,
    KEEP,
    NOTICE,
    RECORD_WITHDRAWAL,
    RESULT_NOTICE,
    WITHDRAWN,
    flashes,
    login,
    page,
)

from webapp.extensions import db
from webapp.models import Case


def timeline(response) -> list[str]:
    return [
        re.sub(r"\s+", " ", li.text_content()).strip()
        for li in page(response).xpath("//ol[@class='timeline']/li")
    ]


def test_a_withdrawal_after_filing_suppresses_the_result_notice_but_not_the_investigation(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register()
    for name, data in [
        (JURISDICTION, KEEP),
        (ACCEPTANCE, ACCEPTABLE),
        (FILING, FILED),
        (FILING_NOTICE, NOTICE),
    ]:
        officer.done(case_id, name, data)
    assert list(officer.task_links(case_id)) == [INVESTIGATION]

    response = registrar.post(f"/cases/{case_id}/events/withdrawal", follow_redirects=True)
    assert response.status_code == 200
    assert any("撤回" in m for m in flashes(response)), flashes(response)
    assert sorted(officer.task_links(case_id)) == sorted([INVESTIGATION, RECORD_WITHDRAWAL])

    registrar.done(case_id, RECORD_WITHDRAWAL, WITHDRAWN)
    assert list(officer.task_links(case_id)) == [INVESTIGATION]
    officer.done(case_id, INVESTIGATION, INVESTIGATED)
    officer.done(case_id, CONCLUSION, CONCLUDED)
    assert list(officer.task_links(case_id)) == [CLOSURE], (
        "the result notice must not be sent after a withdrawal"
    )
    officer.done(case_id, CLOSURE, CLOSED)
    officer.done(case_id, ARCHIVE, ARCHIVED)

    with clerk_app.app_context():
        assert db.session.get(Case, case_id).status == "closed"
    lines = timeline(officer.case_page(case_id))
    assert any("撤回举报" in line for line in lines), lines
    assert any(f"办理「{RECORD_WITHDRAWAL}」" in line for line in lines), lines
    assert not any(RESULT_NOTICE in line for line in lines), lines
    assert any(f"办理「{CONCLUSION}」" in line for line in lines), lines


def test_a_withdrawal_at_intake_lets_the_handling_go_on(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register()
    assert registrar.post(f"/cases/{case_id}/events/withdrawal").status_code == 302
    officer.done(case_id, RECORD_WITHDRAWAL, WITHDRAWN)  # the case officer may record it too
    assert list(officer.task_links(case_id)) == [JURISDICTION]


def test_a_withdrawal_of_a_closed_case_is_refused_with_a_message(clerk_app):
    """The case page offers no withdrawal once a case is closed; a post anyway (an old page) must not be
    confirmed as if it had entered the inbox, nor touch the closed case."""
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register(request_kind="consultation")
    officer.done(
        case_id, "告知通过其他渠道反映", {"redirect_channel": "12345", "redirect_notified_on": "2026-03-03"}
    )
    registrar.case_page(case_id)  # reads the registration's flash
    with clerk_app.app_context():
        row = db.session.get(Case, case_id)
        before = (row.status, row.closed_at, row.lock_version, row.state)
    response = registrar.post(f"/cases/{case_id}/events/withdrawal", follow_redirects=True)
    assert response.status_code == 200
    messages = " ".join(flashes(response))
    assert "已进入待办" not in messages, messages
    assert "不能办理此事项" in messages, messages
    assert registrar.task_links(case_id) == {}
    with clerk_app.app_context():
        row = db.session.get(Case, case_id)
        assert (row.status, row.closed_at, row.lock_version, row.state) == before


def test_the_case_file_still_shows_the_report_after_a_withdrawal_is_recorded(clerk_app):
    """The case page's 举报人 and 举报内容 and the printed 登记表 keep the registered data while the
    withdrawal's own step is recorded (it runs in an event subprocess of its own)."""
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register()
    assert registrar.post(f"/cases/{case_id}/events/withdrawal").status_code == 302
    officer.done(case_id, RECORD_WITHDRAWAL, WITHDRAWN)
    for url in (f"/cases/{case_id}", f"/cases/{case_id}/registration"):
        shown = re.sub(r"\s+", " ", page(officer.get(url)).text_content())
        assert "张三" in shown and "串换药品" in shown, url


def test_a_withdrawal_is_recorded_once_and_read_only_roles_cannot_start_one(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    case_id = registrar.register()
    for name in ("cq-yuzhong-auditor", "cq-yuzhong-policy-editor", "cq-auditor"):
        reader = login(clerk_app, name)
        if reader.case_page(case_id).status_code != 200:
            continue
        assert not page(reader.case_page(case_id)).xpath("//*[@id='withdrawal-button']"), name
        response = reader.post(f"/cases/{case_id}/events/withdrawal", follow_redirects=True)
        assert "只能查看案件" in " ".join(flashes(response)), name
        assert reader.post(f"/cases/{case_id}/events/recusal_request").status_code == 302
    assert registrar.task_links(case_id).keys() == {"管辖审查"}
    button = page(registrar.case_page(case_id)).xpath("//*[@id='withdrawal-button']/ancestor::form")
    assert button and "confirm(" in button[0].get("onsubmit")
    registrar.post(f"/cases/{case_id}/events/withdrawal")
    assert not page(registrar.case_page(case_id)).xpath("//*[@id='withdrawal-button']")
    again = registrar.post(f"/cases/{case_id}/events/withdrawal", follow_redirects=True)
    assert "不能重复登记" in " ".join(flashes(again))
    assert list(registrar.task_links(case_id)).count(RECORD_WITHDRAWAL) == 1
