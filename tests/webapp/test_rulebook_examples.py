"""Examples as data: the table page, CSV and Excel import, the try-it panel, and the diff."""

from __future__ import annotations

import io
import json

from clerk import login, page, visible_text
from rulebook_steps import URUMQI_AMOUNT, file_text, open_draft, raise_urumqi_floor

HEADER = "base_amount,criminal,evidence_tier,reporter_category,decision_date,amount,floor_applied,依据,说明\n"


def _examples(app, draft_id, decision="reward_amount"):
    return json.loads(file_text(app, draft_id, f"examples/{decision}.json"))


def test_examples_are_imported_from_csv_and_excel_and_run_green_or_red(clerk_app):
    from openpyxl import Workbook

    editor = login(clerk_app, "wlmq-policy-editor")
    draft_id = open_draft(editor, "urumqi")
    url = f"/rules/drafts/{draft_id}/examples/reward_amount"
    csv_text = HEADER + (
        "8000,false,basic,ordinary,2026-06-01,500,true,URU 12(1),地板\n"
        "50000,false,basic,ordinary,2026-06-01,9999,,URU 12(1),故意写错\n"
    )
    response = editor.post(
        url + "/import",
        data={"mode": "replace", "file": (io.BytesIO(csv_text.encode("utf-8-sig")), "cases.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    cases = _examples(clerk_app, draft_id)
    assert len(cases) == 2 and cases[0]["input"]["criminal"] is False and cases[0]["expect"]["amount"] == 500
    assert "floor_applied" not in cases[1]["expect"]  # an empty expected cell is not checked
    shown = editor.get(url)
    rows = page(shown).xpath("//table[contains(@class,'examples-table')]/tbody/tr")
    assert [r.get("class") for r in rows] == ["green", "red", "new-row"]
    assert "2500" in rows[1].text_content()  # the actual amount beside the wrong expectation

    book = Workbook()
    sheet = book.active
    sheet.append(
        ["base_amount", "criminal", "evidence_tier", "reporter_category", "decision_date", "amount", "依据"]
    )
    sheet.append([120000, False, "basic", "ordinary", "2026-06-01", 6000, "URU 12(1)"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = editor.post(
        url + "/import",
        data={"mode": "append", "file": (io.BytesIO(buffer.getvalue()), "more.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    cases = _examples(clerk_app, draft_id)
    assert (
        len(cases) == 3
        and cases[2]["input"]["base_amount"] == 120000
        and cases[2]["expect"]["amount"] == 6000
    )

    # a file with a column the decision lacks changes nothing
    bad = "base_amount,no_such_column,amount\n1,2,3\n"
    response = editor.post(
        url + "/import",
        data={"file": (io.BytesIO(bad.encode()), "bad.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "no_such_column" in visible_text(response) and len(_examples(clerk_app, draft_id)) == 3
    response = editor.post(
        url + "/import",
        data={"file": (io.BytesIO(b"PK\x03\x04junk"), "x.xlsx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "无法读取" in visible_text(response) and len(_examples(clerk_app, draft_id)) == 3

    # the table page: change a row, delete a row, add one
    doc = page(editor.get(url))
    data = {
        i.get("name"): i.get("value") or ""
        for i in doc.xpath("//table//input")
        if i.get("type") != "checkbox"
    }
    data["rows"] = doc.xpath("//input[@name='rows']/@value")[0]
    data["expect:amount-2"] = "2500"
    data["delete-3"] = "1"
    data.update(
        {
            "input:base_amount-4": "5000000",
            "input:criminal-4": "否",
            "input:evidence_tier-4": "basic",
            "input:reporter_category-4": "ordinary",
            "input:decision_date-4": "2026-06-01",
            "expect:cap_applied-4": "true",
            "basis-4": "URU 12",
        }
    )
    assert editor.post(url, data=data).status_code == 302
    cases = _examples(clerk_app, draft_id)
    assert [c["expect"].get("amount") for c in cases] == [500, 2500, None]
    assert cases[2]["expect"] == {"cap_applied": True}
    rows = page(editor.get(url)).xpath("//table[contains(@class,'examples-table')]/tbody/tr")
    assert [r.get("class") for r in rows] == ["green", "green", "green", "new-row"]
    csv_back = editor.get(url + ".csv").get_data(as_text=True)
    assert "base_amount" in csv_back.splitlines()[0] and "5000000" in csv_back


def test_try_it_shows_the_outputs_and_the_rules_that_matched(clerk_app):
    editor = login(clerk_app, "wlmq-policy-editor")
    draft_id = raise_urumqi_floor(clerk_app, editor)
    url = f"/rules/drafts/{draft_id}/try/reward_amount"
    form = page(editor.get(url))
    assert form.xpath("//input[@name='input:base_amount']") and form.xpath("//input[@name='input:criminal']")
    response = editor.post(
        url,
        data={
            "input:base_amount": "8000",
            "input:criminal": "false",
            "input:evidence_tier": "basic",
            "input:reporter_category": "ordinary",
            "input:decision_date": "2026-06-01",
        },
    )
    shown = visible_text(response)
    assert '"amount": 600' in shown and "reward_terms" in shown and "Rule_reward_terms_1" in shown
    response = editor.post(url, data={"input:base_amount": "八千"})
    assert "不是数字" in visible_text(response)


def test_the_diff_shows_the_changed_cell_side_by_side(clerk_app):
    editor = login(clerk_app, "wlmq-policy-editor")
    draft_id = raise_urumqi_floor(clerk_app, editor)
    bpmn = file_text(clerk_app, draft_id, "bpmn/report_handling.bpmn")
    editor.client.post(
        f"/rules/drafts/{draft_id}/files/bpmn/report_handling.bpmn",
        json={"text": bpmn.replace('name="管辖审查"', 'name="管辖审查（新）"')},
    )
    form = file_text(clerk_app, draft_id, "forms/filing.form")
    schema = json.loads(form)
    schema["components"].append({"type": "textfield", "key": "filing_extra", "label": "补充说明"})
    editor.client.post(f"/rules/drafts/{draft_id}/files/forms/filing.form", json={"text": json.dumps(schema)})
    response = editor.get(f"/rules/diff?pack=urumqi&to=draft:{draft_id}")
    assert response.status_code == 200
    doc = page(response)
    sections = {s.get("data-path"): s for s in doc.xpath("//section[contains(@class,'file-diff')]")}
    assert set(sections) == {URUMQI_AMOUNT, "bpmn/report_handling.bpmn", "forms/filing.form"}
    [row] = sections[URUMQI_AMOUNT].xpath(".//table[contains(@class,'dmn-diff')]/tbody/tr")
    cells = [c.text_content().strip() for c in row.xpath("./td")]
    assert cells == ["1 (Rule_reward_terms_1)", "下限（元）", "500", "600"]
    assert "reward_terms" in sections[URUMQI_AMOUNT].text_content()
    assert "filing_extra" in sections["forms/filing.form"].text_content()
    diff_box = sections["bpmn/report_handling.bpmn"].xpath(".//div[@class='bpmn-diff']")[0]
    assert json.loads(diff_box.get("data-changes")) == {
        "added": [],
        "changed": ["Task_Jurisdiction"],
        "removed": [],
    }
    assert "<bpmn:definitions" in diff_box.get("data-old-xml") and "管辖审查（新）" in diff_box.get(
        "data-new-xml"
    )
    assert editor.get("/rules/diff?pack=urumqi&to=nope").status_code == 404
