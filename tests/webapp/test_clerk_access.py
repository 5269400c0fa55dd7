"""Who may see and do what (CQH 第十六至十八条; PRODUCT capability 7): a bureau sees its own cases (a city
bureau also its districts'), never another's — not even by guessing URLs; tasks are done by their roles;
a recused person loses the case; the reporter's identity is shown only to the roles that need it."""

from __future__ import annotations

import io

import pytest
from clerk import (
    JURISDICTION,
    KEEP,
    REGISTRATION,
    Clerk,
    login,
    task_id_of,
    visible_text,
)

from webapp.extensions import db
from webapp.models import Attachment, Case, CaseEvent, TaskEntry

REPORTER_SECRETS = (
    REGISTRATION["reporter_name"],
    REGISTRATION["reporter_phone"],
    REGISTRATION["reporter_id_no"],
)


def snapshot(app, case_id: int) -> tuple:
    with app.app_context():
        row = db.session.get(Case, case_id)
        tasks = sorted(
            (t.task_id, t.claimed_by_id) for t in db.session.query(TaskEntry).filter_by(case_id=case_id)
        )
        events = db.session.query(CaseEvent).filter_by(case_id=case_id).count()
        return row.lock_version, row.state, tuple(tasks), events


@pytest.fixture
def yuzhong_case(clerk_app):
    """A real-name 渝中区 report waiting for the 管辖审查, with one evidence file."""
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register()
    registrar.post(
        f"/cases/{case_id}/evidence",
        data={"evidence": (io.BytesIO(b"%PDF-1.4\n%test\n"), "发票.pdf")},
        content_type="multipart/form-data",
    )
    task_url = officer.task_url(case_id, JURISDICTION)
    with clerk_app.app_context():
        attachment = db.session.query(Attachment).filter_by(case_id=case_id).first()
        assert attachment is not None, "the evidence upload was refused"
        attachment_id = attachment.id
    return case_id, task_url, attachment_id


def case_urls(case_id: int, task_url: str, attachment_id: int) -> list[str]:
    return [
        f"/cases/{case_id}",
        task_url,
        f"/cases/{case_id}/diagram.bpmn",
        f"/cases/{case_id}/registration",
        f"/cases/{case_id}/evidence/{attachment_id}",
    ]


OUTSIDERS = [
    "wlmq-tianshan-case-officer",
    "wlmq-registrar",
    "cq-yubei-case-officer",
    "cq-yubei-division-head",
    "cq-yubei-registrar",
    "wlmq-tianshan-auditor",
]


@pytest.mark.parametrize("username", OUTSIDERS)
def test_another_bureau_gets_404_on_every_url_of_the_case(clerk_app, yuzhong_case, username):
    case_id, task_url, attachment_id = yuzhong_case
    before = snapshot(clerk_app, case_id)
    outsider = login(clerk_app, username)
    for url in case_urls(case_id, task_url, attachment_id):
        response = outsider.get(url)
        assert response.status_code == 404, (username, url, response.status_code)
        assert (
            "某某大药房" not in visible_text(response)
            if response.content_type.startswith("text/html")
            else True
        )
    task_id = task_id_of(task_url)
    for url, data in [
        (task_url, KEEP),
        (f"{task_url}/claim", {}),
        (f"{task_url}/release", {}),
        (f"/cases/{case_id}/events/withdrawal", {}),
        (f"/cases/{case_id}/events/recusal_request", {}),
        (f"/cases/{case_id}/recusals", {"username": username, "reason": "x"}),
        (f"/cases/{case_id}/evidence", {}),
    ]:
        response = outsider.post(url, data=data)
        assert response.status_code == 404, (username, url, response.status_code)
    assert snapshot(clerk_app, case_id) == before
    # nor does it turn up in their lists
    assert all(task_id not in row["url"] for row in outsider.inbox())
    assert "某某大药房" not in visible_text(outsider.get("/cases?q=某某"))
    assert "CQ-" not in visible_text(outsider.get("/cases"))


def test_guessed_case_and_task_ids_give_the_same_404_as_cases_that_do_not_exist(clerk_app, yuzhong_case):
    case_id, task_url, _ = yuzhong_case
    outsider = login(clerk_app, "wlmq-tianshan-case-officer")
    missing = outsider.get(f"/cases/{case_id + 1000}")
    hidden = outsider.get(f"/cases/{case_id}")
    assert missing.status_code == hidden.status_code == 404
    assert visible_text(missing) == visible_text(hidden), (
        "a guesser can tell a hidden case from a missing one"
    )
    # on a case of one's own, a task id that is not waiting is not found (or sends back to the case page)
    own = login(clerk_app, "cq-yuzhong-case-officer")
    for task_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        response = own.get(f"/cases/{case_id}/tasks/{task_id}")
        assert response.status_code == 404 or (
            response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case_id}")
        ), task_id
    assert outsider.get(f"/cases/{case_id}/tasks/{task_url.rsplit('/', 1)[-1]}").status_code == 404


@pytest.mark.parametrize("username", ["cq-case-officer", "cq-registrar", "cq-division-head"])
def test_the_city_bureau_sees_its_districts_case(clerk_app, yuzhong_case, username):
    case_id, task_url, attachment_id = yuzhong_case
    city = login(clerk_app, username)
    for url in (
        f"/cases/{case_id}",
        f"/cases/{case_id}/diagram.bpmn",
        f"/cases/{case_id}/registration",
        f"/cases/{case_id}/evidence/{attachment_id}",
    ):
        assert city.get(url).status_code == 200, url
    assert "某某大药房" in visible_text(city.get("/cases"))


def test_a_registrar_cannot_complete_a_case_officers_task(clerk_app, yuzhong_case):
    case_id, task_url, _ = yuzhong_case
    before = snapshot(clerk_app, case_id)
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    assert registrar.get(task_url).status_code == 403
    response = registrar.post(task_url, data=KEEP)
    assert response.status_code == 403
    assert "您的角色不能办理此任务" in visible_text(response)
    assert registrar.post(f"{task_url}/claim").status_code == 403
    auditor = login(clerk_app, "cq-yuzhong-auditor")
    assert auditor.post(task_url, data=KEEP).status_code == 403
    assert snapshot(clerk_app, case_id) == before


def test_only_a_head_decides_a_recusal(clerk_app, yuzhong_case):
    case_id, _, _ = yuzhong_case
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    response = officer.post(
        f"/cases/{case_id}/recusals", data={"username": "cq-yuzhong-registrar", "reason": "亲属"}
    )
    shown = officer.get(f"/cases/{case_id}")
    assert response.status_code in (302, 403)
    assert login(clerk_app, "cq-yuzhong-registrar").get(f"/cases/{case_id}").status_code == 200
    assert response.status_code == 403 or "回避决定由负责人作出" in visible_text(shown)


def test_a_recused_officer_loses_the_case_and_its_tasks(clerk_app, yuzhong_case):
    case_id, task_url, attachment_id = yuzhong_case
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    head = login(clerk_app, "cq-yuzhong-division-head")
    assert officer.post(f"{task_url}/claim").status_code == 302
    assert any(task_id_of(task_url) in row["url"] for row in officer.inbox())

    response = head.post(
        f"/cases/{case_id}/recusals",
        data={
            "username": "cq-yuzhong-case-officer",
            "reason": "与被举报单位负责人系近亲属（CQH 第十八条第一项）",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "回避决定已记录" in visible_text(response)

    for url in case_urls(case_id, task_url, attachment_id):
        assert officer.get(url).status_code == 404, url
    assert officer.post(task_url, data=KEEP).status_code == 404
    assert all(task_id_of(task_url) not in row["url"] for row in officer.inbox())
    assert "某某大药房" not in visible_text(officer.get("/cases"))
    # the claim went with the recusal: the task is free for the others again
    with clerk_app.app_context():
        assert db.session.query(TaskEntry).filter_by(case_id=case_id).one().claimed_by_id is None
    assert any(task_id_of(task_url) in row["url"] for row in head.inbox())
    # the head's case page records the decision
    assert "回避" in visible_text(head.get(f"/cases/{case_id}"))


def test_an_anonymous_visitor_is_sent_to_the_login(clerk_app, yuzhong_case):
    case_id, task_url, attachment_id = yuzhong_case
    visitor = Clerk(clerk_app, "nobody")
    for url in ["/", "/intake", "/cases", *case_urls(case_id, task_url, attachment_id)]:
        response = visitor.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url
    response = visitor.post(task_url, data=KEEP)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_wrong_password_is_refused(clerk_app):
    response = Clerk(clerk_app, "cq-yuzhong-registrar").client.post(
        "/login", data={"username": "cq-yuzhong-registrar", "password": "wrong"}
    )
    assert response.status_code == 401
    assert "用户名或密码不正确" in visible_text(response)


@pytest.mark.parametrize("username", ["cq-yuzhong-case-officer", "cq-yuzhong-division-head"])
def test_the_reporter_is_shown_to_those_who_handle_the_case(clerk_app, yuzhong_case, username):
    case_id, _, _ = yuzhong_case
    shown = visible_text(login(clerk_app, username).get(f"/cases/{case_id}"))
    assert REGISTRATION["reporter_name"] in shown


@pytest.mark.parametrize(
    "username", ["cq-yuzhong-auditor", "cq-yuzhong-policy-editor", "cq-yuzhong-administrator"]
)
def test_the_reporter_is_hidden_from_roles_that_do_not_handle_the_case(clerk_app, yuzhong_case, username):
    case_id, _, _ = yuzhong_case
    viewer = login(clerk_app, username)
    for url in (f"/cases/{case_id}", f"/cases/{case_id}/registration"):
        response = viewer.get(url)
        if response.status_code == 404:
            continue  # not shown at all is also fine
        body = response.get_data(as_text=True)
        for secret in REPORTER_SECRETS:
            assert secret not in body, f"{username} sees the reporter's {secret!r} on {url}"
