"""What the pages and documents cite (RULES §B.12): a Chongqing case cites CQH as its own and
Urumqi's rules only as the pack's default, with a legend; the Urumqi 登记表 does not pass off CQH as
its own; the signed 审批表 names the right text and no version hash; the printed 领奖通知书 says what
the outbox's claim notice says."""

from __future__ import annotations

import re

import rewarding
from clerk import JURISDICTION, KEEP, login, page, visible_text

URU_TITLE = "《乌鲁木齐市违法违规使用医疗保障基金举报奖励实施细则》"


def test_a_chongqing_case_cites_its_own_texts_and_urumqis_only_as_a_default(clerk_app):
    case_id = login(clerk_app, "cq-yuzhong-registrar").register()
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    shown = visible_text(officer.case_page(case_id))
    assert "本规则包默认值，参照" + URU_TITLE + "第十四条第一款" in shown
    assert not re.search(r"(?<!参照《)URU 第", shown) and "RULES" not in shown
    legend = " ".join(page(officer.case_page(case_id)).xpath("//*[@id='regulation-legend']//li/text()"))
    assert "CQH：《重庆市医疗保障基金使用监督管理举报处理实施细则》（渝医保发〔2023〕27号）" in legend
    assert "CQF：《重庆市医疗保障基金监督管理办法》（重庆市人民政府令第345号）" in legend
    inbox = visible_text(officer.get("/"))
    assert "URU 第" not in inbox and "参照" + URU_TITLE in inbox


def test_the_urumqi_registration_form_says_whose_text_it_follows(clerk_app):
    intake = visible_text(login(clerk_app, "wlmq-tianshan-registrar").get("/intake"))
    assert (
        "举报线索登记表（本规则包默认值，参照《重庆市医疗保障基金使用监督管理举报处理实施细则》第十条）"
        in intake
    )
    assert "（CQH 第十条）" not in intake


def test_a_chongqing_reward_s_documents_cite_the_right_text_and_no_hash(clerk_app, clerk_clock, monkeypatch):
    monkeypatch.setattr(rewarding, "DISTRICT", "cq-yuzhong")
    report_id = rewarding.concluded_report(clerk_app, clerk_clock, reported_unit_name="渝中某某医院")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    reward_id = rewarding.start_reward(officer, report_id)
    rewarding.to_claim(clerk_app, clerk_clock, reward_id, deliberate=False)
    case = rewarding.case_row(clerk_app, reward_id)
    approval = visible_text(officer.get(f"/rewards/{reward_id}/documents/approval_form"))
    assert "乌鲁木齐市医疗保障基金举报奖励办法" not in approval
    assert "本规则包默认值，参照" + URU_TITLE + "第十二条" in approval
    assert case.pack_version[:8] not in approval and "重庆市规则" in approval
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", approval)
    notice = visible_text(officer.get(f"/rewards/{reward_id}/documents/claim_notice"))
    assert "URU 第十八条" not in notice and "乌鲁木齐市医疗保障基金举报奖励办法" not in notice
    with clerk_app.app_context():
        from sqlalchemy import select

        from webapp.extensions import db
        from webapp.models import Notice

        [claim] = db.session.execute(select(Notice).filter_by(case_id=reward_id, kind="claim")).scalars()
        body = [line.strip() for line in claim.body.splitlines() if line.strip()]
    for paragraph in body[2:]:  # after the title and the salutation: the same words in print
        assert paragraph in notice, paragraph


def test_the_case_page_shows_no_hashes_and_the_timeline_says_what_was_decided(clerk_app):
    case_id = login(clerk_app, "cq-yuzhong-registrar").register()
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    officer.done(case_id, JURISDICTION, KEEP)
    shown = visible_text(officer.case_page(case_id))
    assert not re.search(r"(?<![0-9A-Za-z])[0-9a-f]{8}(?![0-9A-Za-z])", shown), shown
    assert "CN 2026" in shown and "发布的版本" in shown
    assert "办理「管辖审查」：管辖结论 本局管辖" in shown


def test_a_reward_pdf_downloads_under_a_name_that_says_which_document_of_which_case(
    clerk_app, clerk_clock, monkeypatch
):
    monkeypatch.setattr(rewarding, "DISTRICT", "cq-yuzhong")
    report_id = rewarding.concluded_report(clerk_app, clerk_clock, reported_unit_name="渝中某某医院")
    officer = login(clerk_app, "cq-yuzhong-case-officer")
    reward_id = rewarding.start_reward(officer, report_id)
    rewarding.to_claim(clerk_app, clerk_clock, reward_id, deliberate=False)
    case = rewarding.case_row(clerk_app, reward_id)
    response = officer.get(f"/rewards/{reward_id}/documents/claim_notice/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    ascii_name = re.search(r'filename="?([^";]+)', disposition).group(1)
    assert ascii_name.startswith(f"{case.number}-claim_notice-"), disposition
    assert "filename*=UTF-8''" in disposition
    # A reward case has no 登记表 of its own: none is offered or printed blank.
    assert "举报线索登记表（A4 打印）" not in visible_text(officer.case_page(reward_id))
    assert officer.get(f"/cases/{reward_id}/registration").status_code == 404
    assert officer.get(f"/cases/{report_id}/registration").status_code == 200
