"""Two people, one task: a double click, a colleague who was quicker, a page left open while the case
moved on. The second submission is refused with a clear message and changes nothing."""

from __future__ import annotations

import threading

from clerk import (
    ACCEPTANCE,
    JURISDICTION,
    KEEP,
    RECORD_WITHDRAWAL,
    browser_form,
    fill,
    flashes,
    login,
    visible_text,
)

from webapp.extensions import db
from webapp.models import Case, CaseEvent, TaskEntry

DONE_BY_OTHERS = "已被他人办理完毕"
STALE = "此案件已被他人更新，请刷新页面后重新办理"


def snapshot(app, case_id: int) -> tuple:
    with app.app_context():
        row = db.session.get(Case, case_id)
        tasks = sorted(
            (t.task_id, t.element_id, t.claimed_by_id)
            for t in db.session.query(TaskEntry).filter_by(case_id=case_id)
        )
        events = [
            (e.kind, e.title)
            for e in db.session.query(CaseEvent).filter_by(case_id=case_id).order_by(CaseEvent.id)
        ]
        return row.lock_version, row.state, row.current_step, tuple(tasks), tuple(events)


def worked(app, case_id: int, name: str) -> int:
    with app.app_context():
        return (
            db.session.query(CaseEvent)
            .filter_by(case_id=case_id, kind="task")
            .filter(CaseEvent.title.startswith(f"办理「{name}」"))
            .count()
        )


def registered(app) -> tuple[int, object, object, object]:
    registrar = login(app, "cq-yuzhong-registrar")
    officer = login(app, "cq-yuzhong-case-officer")
    head = login(app, "cq-yuzhong-division-head")  # 管辖审查 is also the division head's
    return registrar.register(), registrar, officer, head


def test_the_same_task_posted_twice_is_refused_the_second_time(clerk_app):
    case_id, _, officer, _ = registered(clerk_app)
    url = officer.task_url(case_id, JURISDICTION)
    _, fields = browser_form(officer.get(url))
    posted = fill(fields, KEEP)
    first = officer.post(url, data=posted)
    assert first.status_code == 302
    after_first = snapshot(clerk_app, case_id)

    second = officer.post(url, data=posted)  # the double click
    assert second.status_code == 302, (second.status_code, visible_text(second)[:600])
    assert second.headers["Location"].endswith(f"/cases/{case_id}")
    shown = officer.get(second.headers["Location"])
    assert any(DONE_BY_OTHERS in m for m in flashes(shown)), flashes(shown)
    assert snapshot(clerk_app, case_id) == after_first
    assert worked(clerk_app, case_id, JURISDICTION) == 1


def test_a_task_a_colleague_completed_first_gives_a_clear_message(clerk_app):
    case_id, _, officer, head = registered(clerk_app)
    url = officer.task_url(case_id, JURISDICTION)
    _, officer_form = browser_form(officer.get(url))
    _, head_form = browser_form(head.get(url))  # both have the page open
    assert officer.post(url, data=fill(officer_form, KEEP)).status_code == 302
    after_first = snapshot(clerk_app, case_id)

    late = head.post(
        url, data=fill(head_form, {**KEEP, "jurisdiction_reason": "我也审查了"}), follow_redirects=True
    )
    assert late.status_code == 200, (late.status_code, visible_text(late)[:600])
    assert any(DONE_BY_OTHERS in m for m in flashes(late)), flashes(late)
    assert snapshot(clerk_app, case_id) == after_first
    assert worked(clerk_app, case_id, JURISDICTION) == 1


def test_opening_a_task_someone_already_completed_says_so(clerk_app):
    case_id, _, officer, head = registered(clerk_app)
    url = officer.task_url(case_id, JURISDICTION)
    officer.done(case_id, JURISDICTION, KEEP)
    response = head.get(url, follow_redirects=True)
    assert "已办理完毕" in visible_text(response), visible_text(response)[:600]


def test_a_page_left_open_while_the_case_changed_gets_the_conflict_message(clerk_app):
    case_id, registrar, officer, _ = registered(clerk_app)
    url = officer.task_url(case_id, JURISDICTION)
    _, stale_form = browser_form(officer.get(url))
    # meanwhile the reporter withdraws, and the registrar records it: the case moves on
    assert registrar.post(f"/cases/{case_id}/events/withdrawal").status_code == 302
    assert RECORD_WITHDRAWAL in registrar.task_links(case_id)
    before = snapshot(clerk_app, case_id)

    response = officer.post(url, data=fill(stale_form, KEEP), follow_redirects=True)
    assert response.status_code == 200
    assert any(STALE in m for m in flashes(response)), flashes(response)
    assert snapshot(clerk_app, case_id) == before
    assert JURISDICTION in officer.task_links(case_id)
    # a fresh page goes through
    officer.done(case_id, JURISDICTION, KEEP)
    assert ACCEPTANCE in officer.task_links(case_id)


def test_two_sessions_completing_the_same_task_at_once_only_one_wins(clerk_app):
    case_id, _, officer, head = registered(clerk_app)
    url = officer.task_url(case_id, JURISDICTION)
    forms = [
        (officer, fill(browser_form(officer.get(url))[1], KEEP)),
        (head, fill(browser_form(head.get(url))[1], {**KEEP, "jurisdiction_reason": "负责人审查"})),
    ]
    barrier = threading.Barrier(2)
    results: dict = {}

    def submit(clerk, posted):
        barrier.wait()
        try:
            response = clerk.post(url, data=posted)
        except Exception as exc:  # noqa: BLE001 - an error escaping the view is a 500 for the clerk
            results[clerk.username] = (500, [f"{type(exc).__name__}: {exc}"])
            return
        location = response.headers.get("Location")
        follow = clerk.get(location) if location else response
        results[clerk.username] = (response.status_code, flashes(follow))

    threads = [threading.Thread(target=submit, args=pair) for pair in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 2, results
    messages = [" ".join(m) for _, m in results.values()]
    assert sum("「管辖审查」已办理" in m for m in messages) == 1, results
    assert sum(DONE_BY_OTHERS in m or STALE in m for m in messages) == 1, results
    assert all(code in (302, 200) for code, _ in results.values()), results
    assert worked(clerk_app, case_id, JURISDICTION) == 1
    assert list(officer.task_links(case_id)) == [ACCEPTANCE]
