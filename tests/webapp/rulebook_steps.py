"""What policy staff do in the rule book, for the web tests: open a draft, save a file as the editors
do (JSON), post a workflow step, read the draft page; and the Urumqi floor change of issue 4."""

from __future__ import annotations

import json
import re

from clerk import login, page, visible_text

from webapp.extensions import db
from webapp.models import Case, PackDraft

FLOOR_500 = """<outputEntry id="LiteralExpression_Rule_reward_terms_1_2">
          <text>500</text>"""
FLOOR_600 = FLOOR_500.replace("500", "600")
URUMQI_AMOUNT = "dmn/reward_amount.dmn"
EIGHT_THOUSAND = {
    "criminal": False,
    "evidence_tier": "basic",
    "reporter_category": "ordinary",
    "decision_date": "2026-06-01",
    "base_amount": 8000,
}


def open_draft(person, pack: str) -> int:
    response = person.post(f"/rules/packs/{pack}/drafts")
    assert response.status_code == 302, visible_text(response)[:500]
    match = re.search(r"/rules/drafts/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def draft_row(app, draft_id: int) -> PackDraft:
    with app.app_context():
        row = db.session.get(PackDraft, draft_id)
        db.session.expunge(row)
        return row


def file_text(app, draft_id: int, path: str) -> str:
    return draft_row(app, draft_id).files[path]


def save(person, draft_id: int, path: str, text: str, headers=None):
    """Save a file the way the editors do: JSON {"text": …} to the file's save URL."""
    response = person.client.post(
        f"/rules/drafts/{draft_id}/files/{path}", json={"text": text}, headers=headers or {}
    )
    return response


def step(person, draft_id: int, action: str, **data):
    return person.post(f"/rules/drafts/{draft_id}/{action}", data=data)


def raise_urumqi_floor(app, editor) -> int:
    """A draft of the Urumqi pack with the 500-yuan floor of URU 第十二条 raised to 600."""
    draft_id = open_draft(editor, "urumqi")
    text = file_text(app, draft_id, URUMQI_AMOUNT)
    assert FLOOR_500 in text
    response = save(editor, draft_id, URUMQI_AMOUNT, text.replace(FLOOR_500, FLOOR_600))
    assert response.status_code == 200 and response.json["saved"] is True, response.json
    return draft_id


def update_red_examples(app, editor, draft_id: int, decision: str = "reward_amount") -> int:
    """On the examples table page: put the actual outputs as the expected ones on every red row, save."""
    url = f"/rules/drafts/{draft_id}/examples/{decision}"
    shown = editor.get(url)
    assert shown.status_code == 200
    doc = page(shown)
    data = {
        i.get("name"): i.get("value") or ""
        for i in doc.xpath("//table[contains(@class,'examples-table')]//input")
        if i.get("type") != "checkbox"
    }
    data["rows"] = doc.xpath("//input[@name='rows']/@value")[0]
    changed = 0
    for tr in doc.xpath("//tr[contains(@class,'red')]"):
        n = tr.get("data-row")
        actual = json.loads(tr.xpath(".//td[@class='result']//code")[0].text_content())
        for key, value in actual.items():
            data[f"expect:{key}-{n}"] = str(value).lower() if isinstance(value, bool) else str(value)
        changed += 1
    response = editor.post(url, data=data)
    assert response.status_code == 302
    return changed


def publish_with_second_user(app, author, approver, draft_id: int, comment: str = "乌医保规〔2026〕1号"):
    assert step(author, draft_id, "submit", comment=comment).status_code == 302
    assert draft_row(app, draft_id).status == "submitted"
    assert step(approver, draft_id, "approve").status_code == 302
    assert draft_row(app, draft_id).status == "approved", visible_text(
        approver.get(f"/rules/drafts/{draft_id}")
    )[:800]
    assert step(approver, draft_id, "publish").status_code == 302
    assert draft_row(app, draft_id).status == "published"


def decide_on_case_version(app, case_id: int, decision: str, inputs: dict) -> dict:
    """What a decision gives on the pack version a case runs on."""
    from engine.examples import typed
    from webapp.store import packversions

    with app.app_context():
        row = db.session.get(Case, case_id)
        return packversions.compiled_version(row.pack, row.pack_version).decide(decision, typed(inputs))


def people(app, *usernames):
    return [login(app, u) for u in usernames]
