"""Notices to real-name reporters (CQH 第十五、二十二、二十三条; URU 第十四、十六条): generated into the
outbox when their task becomes ready, with the task's due date; sent once by the channel the reporter
chose; contact details only on the notice itself; other bureaus refused; the task pre-filled from the
delivery record."""

from __future__ import annotations

import logging
import re

import pytest
from clerk import (
    ACCEPTABLE,
    ACCEPTANCE,
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
    WITHDRAWN,
    browser_form,
    flashes,
    login,
    page,
    visible_text,
)
from sqlalchemy import func, select

from engine.rules import deadline
from webapp.extensions import db
from webapp.models import Notice, SentMessage

ADDRESS = "重庆市渝中区解放碑路 1 号"
EMAIL = "zhangsan@example.cn"
PHONE = "13800000000"
SECRETS = ("张三", PHONE, ADDRESS, EMAIL)


def notices(app, case_id: int | None = None) -> list[Notice]:
    with app.app_context():
        query = select(Notice).order_by(Notice.id)
        if case_id is not None:
            query = query.where(Notice.case_id == case_id)
        rows = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return rows


def sent_messages(app) -> list[SentMessage]:
    with app.app_context():
        rows = db.session.execute(select(SentMessage)).scalars().all()
        db.session.expunge_all()
        return rows


def outbox_rows(clerk, state: str = "pending") -> list[dict]:
    response = clerk.get(f"/outbox?state={state}")
    assert response.status_code == 200, response.status_code
    rows = []
    for tr in page(response).xpath("//table[contains(@class,'outbox')]/tbody/tr"):
        cells = [re.sub(r"\s+", " ", td.text_content()).strip() for td in tr.xpath("./td")]
        rows.append(
            {
                "left": cells[0],
                "due": cells[1],
                "kind": cells[2],
                "case": cells[3],
                "basis": cells[4],
                "state": cells[5],
                "url": tr.xpath(".//a[@class='notice-link']/@href")[0],
            }
        )
    return rows


def to_filing_notice(app, channel: str = "letter", **registration) -> tuple[int, object]:
    """A real-name report of 渝中区 registered and carried to its filing notice; returns (case id, officer)."""
    registrar = login(app, "cq-yuzhong-registrar")
    officer = login(app, "cq-yuzhong-case-officer")
    case_id = registrar.register(
        notice_channel=channel, reporter_address=ADDRESS, reporter_email=EMAIL, **registration
    )
    for name, data in [(JURISDICTION, KEEP), (ACCEPTANCE, ACCEPTABLE), (FILING, FILED)]:
        officer.done(case_id, name, data)
    return case_id, officer


def test_a_real_name_reporter_s_filing_notice_enters_the_outbox_with_its_due_date(clerk_app, clerk_clock):
    case_id, officer = to_filing_notice(clerk_app)
    [notice] = notices(clerk_app, case_id)
    assert (notice.kind, notice.state, notice.channel) == ("filing", "pending", "letter")
    expected = deadline("chongqing", "filing_notice", FILED["filing_decided_on"]).due
    assert notice.due == expected and notice.deadline["rule"] == "filing_notice"
    clerk_clock.set("2026-03-05")
    [row] = outbox_rows(officer)
    assert row["kind"].startswith("是否立案告知") and row["due"] == expected.isoformat()
    assert row["left"] == "剩 4 个工作日" and row["state"] == "待发送" and "CQH 第十五条" in row["basis"]
    assert "是否立案告知已生成，待发送" in visible_text(officer.case_page(case_id))
    clerk_clock.set("2026-03-13")
    [row] = outbox_rows(officer)
    assert row["left"] == "逾期 2 个工作日"


def test_an_anonymous_reporter_is_not_notified(clerk_app):
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    case_id = registrar.register(anonymous=True, reporter_name="", reporter_id_no="", reporter_phone="")
    for name, data in [(JURISDICTION, KEEP), (ACCEPTANCE, ACCEPTABLE), (FILING, FILED)]:
        officer.done(case_id, name, data)
    officer.done(case_id, INVESTIGATION, INVESTIGATED)
    officer.done(case_id, CONCLUSION, CONCLUDED)
    assert notices(clerk_app) == []
    assert outbox_rows(officer, "all") == []


def test_the_outbox_itself_refuses_an_anonymous_case_even_if_a_pack_routes_it_to_a_notice(clerk_app):
    """The process sends anonymous reports past the notice tasks; the outbox checks again."""
    from webapp.models import Case
    from webapp.store import casestore
    from webapp.store.outbox import queue_notices

    case_id, _ = to_filing_notice(clerk_app)
    with clerk_app.app_context():
        row = db.session.get(Case, case_id)
        loaded = casestore.load(row)
        loaded.running.data["anonymous"] = True
        ready = loaded.runner.ready_tasks(loaded.running)
        db.session.execute(Notice.__table__.delete())
        assert queue_notices(row, loaded.runner, loaded.running, ready) == []
        loaded.running.data.update(anonymous=False)
        assert [n.kind for n in queue_notices(row, loaded.runner, loaded.running, ready)] == ["filing"]
        db.session.rollback()


def test_a_non_acceptance_notice_gives_the_reasons_and_is_due_15_working_days_after_receipt(clerk_app):
    registrar = login(clerk_app, "wlmq-tianshan-registrar")
    officer = login(clerk_app, "wlmq-tianshan-case-officer")
    case_id = registrar.register(notice_channel="letter", reporter_address=ADDRESS)
    officer.done(case_id, JURISDICTION, KEEP)
    officer.done(case_id, ACCEPTANCE, {**ACCEPTABLE, "in_remit": False})
    [notice] = notices(clerk_app, case_id)
    assert notice.kind == "non_acceptance"
    assert notice.due == deadline("urumqi", "non_acceptance_notice", "2026-03-02").due
    assert notice.title == "不予受理告知书" and "不予受理的理由：" in notice.body
    reason = notice.body.split("不予受理的理由：")[1]
    assert reason.startswith("举报事项不属于医疗保障部门监管职责范围，不予受理，请向有处理权限的部门提出。\n")


def test_the_result_is_told_after_the_decision(clerk_app):
    case_id, officer = to_filing_notice(clerk_app)
    officer.done(case_id, FILING_NOTICE, NOTICE)
    for name, data in [(INVESTIGATION, INVESTIGATED), (CONCLUSION, CONCLUDED)]:
        officer.done(case_id, name, data)
    kinds = {n.kind: n for n in notices(clerk_app, case_id)}
    assert set(kinds) == {"filing", "result"}
    assert kinds["filing"].state == "done_in_case"  # told by phone on the task itself, not through the outbox
    assert kinds["result"].due is None and kinds["result"].state == "pending"
    assert CONCLUDED["handling_result"] in kinds["result"].body
    [row] = outbox_rows(officer)
    assert row["left"] == "无法定期限" and "CQH 第二十二条" in row["basis"]


def test_no_result_notice_after_a_withdrawal(clerk_app):
    case_id, officer = to_filing_notice(clerk_app)
    officer.done(case_id, FILING_NOTICE, NOTICE)
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    registrar.post(f"/cases/{case_id}/events/withdrawal")
    registrar.done(case_id, RECORD_WITHDRAWAL, WITHDRAWN)
    officer.done(case_id, INVESTIGATION, INVESTIGATED)
    officer.done(case_id, CONCLUSION, CONCLUDED)
    assert [n.kind for n in notices(clerk_app, case_id)] == ["filing"]
    assert all("处理结果" not in r["kind"] for r in outbox_rows(officer, "all"))


def test_the_outbox_does_not_generate_a_result_notice_for_a_withdrawn_report_however_it_is_reached(clerk_app):
    from webapp.models import Case
    from webapp.store import casestore
    from webapp.store.outbox import queue_notices

    case_id, officer = to_filing_notice(clerk_app)
    officer.done(case_id, FILING_NOTICE, NOTICE)
    officer.done(case_id, INVESTIGATION, INVESTIGATED)
    officer.done(case_id, CONCLUSION, CONCLUDED)
    with clerk_app.app_context():
        row = db.session.get(Case, case_id)
        loaded = casestore.load(row)
        db.session.execute(Notice.__table__.delete().where(Notice.kind == "result"))
        loaded.running.data["withdrawn"] = True
        assert (
            queue_notices(row, loaded.runner, loaded.running, loaded.runner.ready_tasks(loaded.running)) == []
        )
        db.session.rollback()


def test_an_sms_notice_is_sent_once_on_a_double_submit_and_the_log_sender_records_it(clerk_app, caplog):
    case_id, officer = to_filing_notice(clerk_app, channel="sms")
    [notice] = notices(clerk_app, case_id)
    with caplog.at_level(logging.INFO, logger=clerk_app.logger.name):
        first = officer.post(f"/outbox/{notice.id}/send")
        second = officer.post(f"/outbox/{notice.id}/send", follow_redirects=True)
    assert first.status_code == 302
    assert any("已发送，未重复发送" in m for m in flashes(second)), flashes(second)
    [message] = sent_messages(clerk_app)
    assert (message.channel, message.recipient, message.sender) == ("sms", PHONE, "log")
    assert message.subject == "立案告知书" and notice.number.rsplit("-", 1)[0] in message.body
    [notice] = notices(clerk_app, case_id)
    assert notice.state == "delivered" and notice.receipt_ref == message.reference
    assert notice.delivery_method == "sms" and notice.delivered_on.isoformat() == "2026-03-02"
    logged = [r.getMessage() for r in caplog.records if "log sender" in r.getMessage()]
    assert len(logged) == 1 and message.reference in logged[0]
    assert PHONE not in logged[0] and "138****0000" in logged[0]  # the app log never carries the number


def test_two_clerks_submitting_at_the_same_moment_send_once(clerk_app):
    import threading

    case_id, officer = to_filing_notice(clerk_app, channel="email")
    other = login(clerk_app, "cq-yuzhong-registrar")
    [notice] = notices(clerk_app, case_id)
    barrier, results = threading.Barrier(2), []

    def submit(clerk):
        barrier.wait()
        results.append(clerk.post(f"/outbox/{notice.id}/send", follow_redirects=True))

    threads = [threading.Thread(target=submit, args=(c,)) for c in (officer, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent_messages(clerk_app)) == 1
    messages = [m for r in results for m in flashes(r)]
    assert sum("已送达并记录" in m for m in messages) == 1, messages
    assert sum("未重复发送" in m for m in messages) == 1, messages


def test_the_outbox_list_never_shows_contact_details_the_notice_does_for_those_allowed(clerk_app):
    case_id, officer = to_filing_notice(clerk_app, channel="email")
    listing = visible_text(officer.get("/outbox?state=all")) + officer.get("/outbox?state=all").get_data(
        as_text=True
    )
    for secret in SECRETS:
        assert secret not in listing, secret
    [notice] = notices(clerk_app, case_id)
    shown = visible_text(officer.get(f"/outbox/{notice.id}"))
    assert EMAIL in shown and "张三" in shown
    auditor = login(clerk_app, "cq-yuzhong-auditor")
    assert len(outbox_rows(auditor)) == 1
    for url in (f"/outbox/{notice.id}", f"/outbox/{notice.id}/letter"):
        response = auditor.get(url)
        assert response.status_code == 200
        for secret in SECRETS:
            assert secret not in response.get_data(as_text=True), (url, secret)
        assert "（保密）" in visible_text(response)
    assert auditor.post(f"/outbox/{notice.id}/send").status_code == 403  # auditors read, never send
    assert notices(clerk_app, case_id)[0].state == "pending"


@pytest.mark.parametrize(
    "username", ["cq-yubei-case-officer", "wlmq-case-officer", "wlmq-tianshan-registrar"]
)
def test_other_bureaus_get_404_on_every_url_of_the_notice(clerk_app, username):
    case_id, _ = to_filing_notice(clerk_app, channel="sms")
    [notice] = notices(clerk_app, case_id)
    outsider = login(clerk_app, username)
    assert outbox_rows(outsider, "all") == []
    for url in (f"/outbox/{notice.id}", f"/outbox/{notice.id}/letter"):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/outbox/{notice.id}/send").status_code == 404
    assert sent_messages(clerk_app) == [] and notices(clerk_app, case_id)[0].state == "pending"


def test_the_city_sees_its_districts_notices_and_roles_outside_case_work_get_403(clerk_app):
    case_id, _ = to_filing_notice(clerk_app)
    city = login(clerk_app, "cq-case-officer")
    [row] = outbox_rows(city)
    assert row["url"] == f"/outbox/{notices(clerk_app, case_id)[0].id}"
    assert city.get(row["url"]).status_code == 200
    assert login(clerk_app, "cq-yuzhong-policy-editor").get("/outbox").status_code == 403


def test_the_printed_letter_states_the_case_s_facts_in_chinese(clerk_app):
    case_id, officer = to_filing_notice(clerk_app)
    [notice] = notices(clerk_app, case_id)
    response = officer.get(f"/outbox/{notice.id}/letter")
    assert response.status_code == 200 and "size: A4" in response.get_data(as_text=True)
    text = visible_text(response)
    assert "立案告知书" in text and "张三：" in text and ADDRESS in text
    assert "某某大药房" in text and "2026年3月2日" in text and "2026年3月4日" in text
    assert "LA-1" in text and "渝中区医疗保障局" in text
    assert "第十五条" in text  # the Chongqing wording overrides the national one
    assert notice.template.startswith("chongqing ") and notice.template.endswith(" · notices/filing.txt")


def test_a_letter_s_delivery_is_recorded_and_fills_the_task_for_the_clerk_to_submit(clerk_app, clerk_clock):
    case_id, officer = to_filing_notice(clerk_app)
    [notice] = notices(clerk_app, case_id)
    clerk_clock.set("2026-03-06")
    task_page = officer.get(officer.task_url(case_id, FILING_NOTICE))
    assert "尚未送达" in visible_text(task_page)
    refused = officer.post(f"/outbox/{notice.id}/send", data={"delivered_on": "2026-03-09", "method": "post"})
    assert refused.status_code == 422
    assert "送达日期不能晚于今天" in visible_text(refused) and "请填写回执编号或挂号信号" in visible_text(
        refused
    )
    assert notices(clerk_app, case_id)[0].state == "pending"
    response = officer.post(
        f"/outbox/{notice.id}/send",
        data={"delivered_on": "2026-03-05", "method": "post", "receipt_ref": "XA123456789CN"},
        follow_redirects=True,
    )
    assert any("已送达并记录" in m for m in flashes(response))
    assert (
        "XA123456789CN" in visible_text(response) and sent_messages(clerk_app) == []
    )  # a letter is not a message
    task_page = officer.get(officer.task_url(case_id, FILING_NOTICE))
    _, fields = browser_form(task_page)
    assert fields["notice_sent_on"] == "2026-03-05" and fields["notice_method"] == "letter"
    assert fields["notice_text"].startswith("立案告知书") and "已于 2026-03-05 送达" in visible_text(
        task_page
    )
    response = officer.post(officer.task_url(case_id, FILING_NOTICE), data=fields)
    assert response.status_code == 302, visible_text(officer.get(response.headers.get("Location", "/")))
    assert list(officer.task_links(case_id)) == [INVESTIGATION]
    assert notices(clerk_app, case_id)[0].state == "delivered"


def test_every_shipped_notice_template_renders_strictly_and_hostile_ones_fail_safely(tmp_path):
    from datetime import date
    from decimal import Decimal

    from engine.packs import DEFAULT_ROOT, read_index
    from webapp.store import noticetexts

    facts = dict(
        reporter_name="张三",
        received_on=date(2026, 3, 2),
        bureau="渝中区医疗保障局",
        reported="某某大药房",
        case_number="CQ-2026-0001",
        filed=True,
        filing_decided_on="2026-03-04",
        filing_no="LA-1",
        filing_opinion="",
        reason="不属于医疗保障部门职责范围",
        ground="CQH-12-2",
        concluded_on="2026-04-01",
        decision_no="",
        handling_result="追回基金",
        amount=Decimal("5000"),
        claim_window="60日",
    )
    for pack in read_index(DEFAULT_ROOT):
        for kind in ("filing", "non_acceptance", "result", "claim"):
            rendered = noticetexts.render(DEFAULT_ROOT, pack, kind, facts, strict=True)
            assert rendered.title and "张三" in rendered.body and "{{" not in rendered.body, (pack, kind)
    (tmp_path / "packs.toml").write_text('[packs.evil]\ncalendar = "CN"\n', encoding="utf-8")
    (tmp_path / "notices" / "evil").mkdir(parents=True)
    for source in (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ reporter_name.__init__.__globals__ }}",
        "{% for x in range(10000000) %}{% endfor %}",
        "{{ 9**9**9 }}",
        "{{ 'x' * 100000000 }}",
    ):
        (tmp_path / "notices" / "evil" / "filing.txt").write_text(source, encoding="utf-8")
        try:
            rendered = noticetexts.render(tmp_path, "evil", "filing", facts)
        except noticetexts.TemplateBroken:
            continue
        assert (rendered.title, rendered.body) == ("", ""), source  # the unsafe attribute renders as nothing
    assert noticetexts.cn_date("2026-03-04") == "2026年3月4日" and noticetexts.yuan("12000") == "12,000.00元"


def test_the_count_of_sent_messages_is_one_row_per_send(clerk_app):
    case_id, officer = to_filing_notice(clerk_app, channel="sms")
    [notice] = notices(clerk_app, case_id)
    officer.post(f"/outbox/{notice.id}/send")
    with clerk_app.app_context():
        assert db.session.execute(select(func.count()).select_from(SentMessage)).scalar() == 1


# -- the claim notice of the reward process (URU 第十六条) ---------------------------------------------
# One document: the outbox's claim notice IS the reward's numbered 领奖通知书 (same number, payee, amount,
# window); printed, the outbox gives that document with its 送达回执; by SMS or e-mail, its text.


def test_the_claim_notice_names_the_amount_and_the_claim_window_and_its_delivery_fills_both_tasks(
    clerk_app, clerk_clock
):
    from rewarding import (
        APPROVED,
        CLAIM,
        CLAIM_NOTICE,
        DELIVERY,
        DISTRICT,
        ELIGIBILITY,
        FIRST_CHECK,
        PROPOSAL,
        SIGN,
        case_row,
        concluded_report,
        start_reward,
    )

    report_id = concluded_report(
        clerk_app, clerk_clock, loss="100000", notice_channel="letter", reporter_address=ADDRESS
    )  # concluded 2026-04-01
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    head = login(clerk_app, f"{DISTRICT}-bureau-head")
    reward_id = start_reward(officer, report_id)
    for name in (ELIGIBILITY, FIRST_CHECK, PROPOSAL):
        officer.done(reward_id, name, {})
    assert notices(clerk_app, reward_id) == []
    clerk_clock.set("2026-04-07")
    head.done(reward_id, SIGN, {**APPROVED, "approved_on": "2026-04-07"})
    [notice] = notices(clerk_app, reward_id)
    assert notice.kind == "claim" and notice.due == deadline("urumqi", "claim_notice", "2026-04-01").due
    assert notice.channel == "letter" and notice.template.endswith(" · notices/claim.txt")
    assert "5,000.00元" in notice.body and "60日" in notice.body and "第十八条" in notice.body
    assert case_row(clerk_app, report_id).number in notice.body
    assert notice.body.startswith("张三：")

    # the outbox's notice and the printed 领奖通知书 are one document: same number, amount, window
    document = visible_text(officer.get(f"/rewards/{reward_id}/documents/claim_notice"))
    assert "奖通〔2026〕1号" in notice.number and f"编号：{notice.number}" in document
    assert "5,000.00" in document and "伍仟元整" in document and "60日内" in document
    letter = officer.get(f"/outbox/{notice.id}/letter")
    assert letter.status_code == 302
    assert letter.headers["Location"].endswith(f"/rewards/{reward_id}/documents/claim_notice")
    assert "打印领奖通知书（A4）" in visible_text(officer.get(f"/outbox/{notice.id}"))

    clerk_clock.set("2026-04-09")
    response = officer.post(
        f"/outbox/{notice.id}/send",
        data={"delivered_on": "2026-04-08", "method": "in_person", "receipt_ref": "HZ-0408"},
    )
    assert response.status_code == 302
    _, fields = browser_form(officer.get(officer.task_url(reward_id, CLAIM_NOTICE)))
    assert (fields["claim_notice_no"], fields["claim_notice_issued_on"], fields["delivery_method"]) == (
        notice.number,
        "2026-04-08",
        "in_person",
    )
    officer.done(reward_id, CLAIM_NOTICE, fields)
    _, fields = browser_form(officer.get(officer.task_url(reward_id, DELIVERY)))
    assert (fields["notice_received_on"], fields["receipt_method"]) == ("2026-04-08", "in_person")
    officer.done(reward_id, DELIVERY, {**fields, "receipt_signed": True})
    assert list(officer.task_links(reward_id)) == [CLAIM]
    with clerk_app.app_context():
        from webapp.models import TaskEntry

        entry = db.session.execute(select(TaskEntry).filter_by(case_id=reward_id)).scalar_one()
        assert entry.deadline["rule"] == "claim_window" and entry.deadline["trigger"] == "2026-04-08"
    document = visible_text(officer.get(f"/rewards/{reward_id}/documents/claim_notice"))
    assert f"编号：{notice.number}" in document and "2026年4月8日" in document


def test_a_reward_s_claim_notice_follows_the_channel_and_contact_of_the_report(clerk_app, clerk_clock):
    from rewarding import (
        APPROVED,
        DISTRICT,
        ELIGIBILITY,
        FIRST_CHECK,
        PROPOSAL,
        SIGN,
        concluded_report,
        start_reward,
    )

    report_id = concluded_report(clerk_app, clerk_clock, loss="100000", notice_channel="sms")
    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    reward_id = start_reward(officer, report_id)
    for name in (ELIGIBILITY, FIRST_CHECK, PROPOSAL):
        officer.done(reward_id, name, {})
    login(clerk_app, f"{DISTRICT}-bureau-head").done(reward_id, SIGN, APPROVED)
    [notice] = notices(clerk_app, reward_id)
    assert notice.channel == "sms"
    officer.post(f"/outbox/{notice.id}/send")
    [message] = [m for m in sent_messages(clerk_app) if m.notice_id == notice.id]
    assert message.recipient == PHONE and notices(clerk_app, reward_id)[0].state == "delivered"


def test_a_joint_report_s_claim_notice_goes_to_the_representative_at_their_own_contact(
    clerk_app, clerk_clock
):
    """URU 第十八条: the reward of a joint report goes to the representative the reporters chose. When
    that is another reporter than the registered one, the claim notice is addressed to them and sent
    to the contact given for them: by text message to their telephone when the report asked for
    text messages; by letter to their address when it asked for e-mail (none given for them)."""
    from rewarding import APPROVED, DISTRICT, ELIGIBILITY, FIRST_CHECK, PROPOSAL, SIGN, concluded_report

    officer = login(clerk_app, f"{DISTRICT}-case-officer")
    wang = {
        "co_name": ["王二"],
        "co_id_no": ["650102199101011111"],
        "co_phone": ["13700000001"],
        "co_address": ["乌鲁木齐市天山区测试路 2 号"],
    }
    refused = officer.post(
        f"/cases/{concluded_report(clerk_app, clerk_clock, loss='100000')}/reward",
        data={
            "joint": "1",
            "representative": "王二",
            "co_name": ["王二"],
            "co_id_no": ["650102199101011111"],
        },
        follow_redirects=True,
    )
    assert any("请填写代表的联系电话或通讯地址" in f for f in flashes(refused)), flashes(refused)

    sent = []
    for channel in ("sms", "email"):
        report_id = concluded_report(
            clerk_app,
            clerk_clock,
            loss="100000",
            notice_channel=channel,
            reporter_email=EMAIL,
            reporter_address=ADDRESS,
        )
        response = officer.post(
            f"/cases/{report_id}/reward", data={"joint": "1", "representative": "王二", **wang}
        )
        reward_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
        for name in (ELIGIBILITY, FIRST_CHECK, PROPOSAL):
            officer.done(reward_id, name, {})
        login(clerk_app, f"{DISTRICT}-bureau-head").done(reward_id, SIGN, APPROVED)
        [notice] = notices(clerk_app, reward_id)
        assert notice.body.startswith("王二：")
        sent.append(notice)
    by_sms, by_letter = sent
    assert (by_sms.channel, by_letter.channel) == ("sms", "letter")
    officer.post(f"/outbox/{by_sms.id}/send")
    [message] = [m for m in sent_messages(clerk_app) if m.notice_id == by_sms.id]
    assert message.recipient == "13700000001"
    shown = visible_text(officer.get(f"/outbox/{by_letter.id}"))
    assert "乌鲁木齐市天山区测试路 2 号" in shown and ADDRESS not in shown and EMAIL not in shown


def test_a_reward_case_without_its_reward_record_says_so_instead_of_failing(clerk_app, clerk_clock):
    """A reward case not started on a concluded report (no Reward row: an import, a hand-made case)."""
    from webapp.models import Case
    from webapp.store import casestore, packversions, visibility

    clerk_clock.set("2026-04-02")
    with clerk_app.app_context():
        bureau = visibility.bureau_by_code("wlmq-tianshan")
        version = packversions.current_version(bureau.pack)
        runner = packversions.runner_for(bureau.pack, version.version)
        running = runner.start("reward", {"concluded_on": "2026-04-01", "reporter_name": "张三"})
        row = Case(
            number="WLMQ-JL-2026-00001",
            pack=bureau.pack,
            pack_version=version.version,
            process_id="reward",
            bureau_id=bureau.id,
            state="",
            created_at=runner.clock(),
        )
        db.session.add(row)
        db.session.flush()
        casestore.keep(row, runner, running)
        db.session.commit()
        case_id = row.id
    officer = login(clerk_app, "wlmq-tianshan-case-officer")
    message = "此奖励案件没有奖励记录"
    page_ = officer.case_page(case_id)
    assert page_.status_code == 200 and message in visible_text(page_)
    url = officer.task_url(case_id, "奖励条件审查")
    assert officer.get(url).status_code == 200
    _, fields = browser_form(officer.get(url))
    refused = officer.post(url, data=fields, follow_redirects=True)
    assert refused.status_code == 200 and message in visible_text(refused)
    assert "奖励条件审查" in officer.task_links(case_id)
    for path in ("documents/claim_notice", "reporter-brief"):
        response = officer.get(f"/rewards/{case_id}/{path}")
        assert response.status_code == 404 and message in visible_text(response)


def test_a_filing_notice_still_reaches_the_reporter_after_a_withdrawal_was_recorded(clerk_app):
    """The withdrawal's own step knows nothing of the reporter: the notice reads the facts its task saw."""
    case_id, officer = to_filing_notice(clerk_app, channel="sms")
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    registrar.post(f"/cases/{case_id}/events/withdrawal")
    registrar.done(case_id, RECORD_WITHDRAWAL, WITHDRAWN)
    [notice] = notices(clerk_app, case_id)
    assert PHONE in visible_text(officer.get(f"/outbox/{notice.id}"))
    assert officer.post(f"/outbox/{notice.id}/send").status_code == 302
    [message] = sent_messages(clerk_app)
    assert message.recipient == PHONE and notices(clerk_app, case_id)[0].state == "delivered"


class RefusingGateway:
    """A bureau's own SMS gateway, plugged in by configuration, that refuses the first message."""

    name = "gateway"
    calls: list = []

    def send(self, message):
        from webapp.usecases.senders import SendFailed

        RefusingGateway.calls.append(message.recipient)
        if len(RefusingGateway.calls) == 1:
            raise SendFailed("短信网关繁忙")
        return "GW-0001"


def test_a_configured_sender_is_used_and_a_refusal_records_nothing(clerk_app):
    case_id, officer = to_filing_notice(clerk_app, channel="sms")
    [notice] = notices(clerk_app, case_id)
    clerk_app.config["CLUEFLOW_NOTICE_SENDER"] = "test_notices:RefusingGateway"
    RefusingGateway.calls.clear()
    response = officer.post(f"/outbox/{notice.id}/send", follow_redirects=True)
    assert any("发送失败，未作记录：短信网关繁忙" in m for m in flashes(response)), flashes(response)
    assert notices(clerk_app, case_id)[0].state == "pending"
    officer.post(f"/outbox/{notice.id}/send")
    [notice] = notices(clerk_app, case_id)
    assert (notice.state, notice.receipt_ref) == ("delivered", "GW-0001") and RefusingGateway.calls == [
        PHONE,
        PHONE,
    ]
    assert sent_messages(clerk_app) == []  # the log sender's table is the log sender's
    assert "Notice outbox" in visible_text(officer.get("/outbox?lang=en&state=all"))


def test_policy_staff_reword_a_notice_in_the_rule_book_and_each_case_keeps_its_version_s_wording(clerk_app):
    """The notice wording is a file of the pack version: a template Jinja cannot parse is an error that
    blocks submission; once published, new cases' notices use the new wording, earlier cases keep theirs."""
    from rulebook_steps import draft_row, file_text, open_draft, publish_with_second_user, save, step

    editor, head = login(clerk_app, "cq-policy-editor"), login(clerk_app, "cq-bureau-head")
    registrar = login(clerk_app, "cq-yuzhong-registrar")
    before = registrar.register(notice_channel="letter", reporter_address=ADDRESS)
    draft_id = open_draft(editor, "chongqing")
    wording = file_text(clerk_app, draft_id, "notices/filing.txt")
    assert "第十五条" in wording  # Chongqing's own wording, copied into the draft with the rest of the pack

    broken = save(editor, draft_id, "notices/filing.txt", wording + "\n{% if filed %}未闭合\n")
    assert broken.json["saved"] is True
    [problem] = [p for p in broken.json["problems"] if p["file"] == "notices/filing.txt"]
    assert problem["severity"] == "error" and problem["message"].startswith("第 ")
    step(editor, draft_id, "submit", comment="渝医保发〔2026〕9号")
    assert draft_row(clerk_app, draft_id).status == "open"  # an error blocks submission
    misspelt = save(editor, draft_id, "notices/filing.txt", wording + "\n{{ reporter_nmae }}\n")
    assert any(
        p["severity"] == "warning" and "reporter_nmae" in p["message"] for p in misspelt.json["problems"]
    )

    reworded = wording.replace("特此告知。", "特此告知（测试措辞）。")
    assert reworded != wording
    assert save(editor, draft_id, "notices/filing.txt", reworded).json["saved"] is True
    publish_with_second_user(clerk_app, editor, head, draft_id, comment="渝医保发〔2026〕9号")
    page_text = visible_text(editor.get(f"/rules/drafts/{draft_id}"))
    assert "notices/filing.txt" in page_text

    officer = login(clerk_app, "cq-yuzhong-case-officer")
    for name, data in [(JURISDICTION, KEEP), (ACCEPTANCE, ACCEPTABLE), (FILING, FILED)]:
        officer.done(before, name, data)
    after, _ = to_filing_notice(clerk_app)
    [old_notice], [new_notice] = notices(clerk_app, before), notices(clerk_app, after)
    assert "测试措辞" not in old_notice.body and "特此告知。" in old_notice.body
    assert "测试措辞" in new_notice.body
    assert old_notice.template != new_notice.template  # each names its pack version
