"""The rule editors in a real browser: bpmn-js with the Clueflow properties panel, dmn-js, form-js.

Each test changes a shipped file through the editor's own controls, saves it through the page's
保存 button (a JSON post with the CSRF header, to a test-only route that records it), and checks
that what was posted carries the change and that the engine still reads it. The route answers
with the problems and example results a test queues, to see them shown where they belong.
"""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

import pytest
from editor_fixture import EDITOR_BUNDLES, Recorder, Served, editor_blueprint
from playwright.sync_api import expect

from engine.decisions import DecisionModel
from engine.forms.definition import load_form
from engine.packs import DEFAULT_ROOT, load_pack
from engine.rules import calendars_for
from engine.specs import check_pack
from webapp import create_app

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
CAMUNDA = "{http://camunda.org/schema/1.0/bpmn}"
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


@pytest.fixture(scope="module")
def editor_server():
    """The app as deployed (CSRF on) with the test-only editor routes; `.recorder` holds the saves."""
    missing = [b.name for b in EDITOR_BUNDLES if not b.is_file()]
    if missing:
        pytest.fail(f"editor bundles missing ({', '.join(missing)}): run make install", pytrace=False)
    recorder = Recorder()
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "CLUEFLOW_PACKS_ROOT": str(DEFAULT_ROOT),
        }
    )
    app.register_blueprint(editor_blueprint(recorder))
    with Served(app) as server:
        server.recorder = recorder
        yield server


@pytest.fixture
def recorder(editor_server):
    editor_server.recorder.posts.clear()
    editor_server.recorder.answers.clear()
    return editor_server.recorder


def open_editor(page, server, pack: str, kind: str, stem: str) -> None:
    page.goto(f"{server.url}/_test/edit/{pack}/{kind}/{stem}")
    page.wait_for_selector("[data-editor][data-state='ready'], [data-editor][data-state='error']")
    assert page.get_attribute("[data-editor]", "data-state") == "ready", page.text_content(
        "[data-role=save-status]"
    )


def save(page) -> str:
    page.click("[data-role=save]")
    status = page.locator("[data-role=save-status]:is([data-state=saved], [data-state=error])")
    status.wait_for()
    return status.text_content()


def assert_watermark(page, box: str) -> None:
    """The bpmn.io mark is shown inside the editor's box (its licence requires it)."""
    mark = page.locator(f"{box} .bjs-powered-by, {box} .fjs-powered-by").first
    mark.scroll_into_view_if_needed()
    assert mark.is_visible(), f"no visible bpmn.io watermark in {box}"
    inner, outer = mark.bounding_box(), page.locator(box).bounding_box()
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1, box
    assert outer["y"] <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1, box


def select_shape(page, element_id: str) -> None:
    """Bring a shape to the middle of the canvas (away from the palette) and click it."""
    page.evaluate(
        """(id) => { const m = window.clueflowEditor.modeler; const canvas = m.get('canvas');
        canvas.zoom(1); canvas.scrollToElement(m.get('elementRegistry').get(id)); }""",
        element_id,
    )
    page.click(f".cf-bpmn-canvas [data-element-id='{element_id}']")
    page.wait_for_selector(
        f".bio-properties-panel-header-label:has-text('{element_id}'), [data-entry-id^='clueflow-']"
    )


def with_file(pack_name: str, path: str, text: str):
    pack = load_pack(pack_name, DEFAULT_ROOT)
    return dataclasses.replace(pack, files={**pack.files, path: text.encode("utf-8")})


def errors_of(pack) -> list[str]:
    return [str(p) for p in check_pack(pack, calendars_for(DEFAULT_ROOT)) if p.severity == "error"]


def bpmn_node(text: str, element_id: str):
    return next(n for n in ET.fromstring(text).iter() if n.get("id") == element_id)


# --- processes -----------------------------------------------------------------------------------


def test_a_user_tasks_form_and_roles_are_set_in_the_properties_panel(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "bpmn", "report_handling")
    assert_watermark(page, ".cf-bpmn-canvas")
    select_shape(page, "Task_Register")
    form = page.locator("[data-entry-id='clueflow-form'] select")
    expect(form).to_have_value("registration")
    assert "withdrawal" in form.locator("option").all_text_contents()  # the pack's forms are offered
    form.select_option("withdrawal")
    page.check("[data-entry-id='clueflow-role-case_officer'] input[type=checkbox]")
    expect(page.locator("[data-role=save-status]")).to_have_attribute("data-state", "dirty")

    assert save(page).startswith("已保存")
    text = recorder.posts[-1]["text"]
    task = bpmn_node(text, "Task_Register")
    assert task.get(f"{CAMUNDA}formKey") == "withdrawal"
    assert task.get(f"{CAMUNDA}candidateGroups") == "registrar,case_officer"
    pack = with_file("national", "bpmn/report_handling.bpmn", text)
    assert errors_of(pack) == []
    assert page.get_attribute("[data-role=save-status]", "data-state") == "saved"
    assert page.problems == []


def test_an_english_page_gets_the_editor_in_english(page, editor_server, recorder):
    """With ?lang=en the process editor speaks English: the library's own words (the palette), the
    Clueflow properties and the save status; the Chinese page keeps the Chinese words."""
    page.goto(f"{editor_server.url}/_test/edit/national/bpmn/report_handling?lang=en")
    page.wait_for_selector("[data-editor][data-state='ready']")
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_attribute(".djs-palette [data-action='create.task']", "aria-label") == "Create task"
    expect(page.locator("[data-role=save-status]")).to_have_text("No unsaved changes")
    select_shape(page, "Task_Register")
    expect(
        page.locator(
            ".bio-properties-panel-group-header-title", has_text="Handling rules (read by the engine)"
        )
    ).to_have_count(1)
    page.locator("[data-entry-id='clueflow-form'] select").select_option("withdrawal")
    assert save(page).startswith("Saved")
    assert "已保存" not in page.text_content("[data-role=save-status]")

    page.goto(f"{editor_server.url}/_test/edit/national/bpmn/report_handling?lang=zh")
    page.wait_for_selector("[data-editor][data-state='ready']")
    assert page.get_attribute(".djs-palette [data-action='create.task']", "aria-label") == "任务"
    expect(page.locator("[data-role=save-status]")).to_have_text("没有未保存的修改")


def test_a_timers_deadline_rule_and_trigger_are_chosen_from_the_pack(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "bpmn", "report_handling")
    select_shape(page, "Event_TransferDue")
    rule = page.locator("[data-entry-id='clueflow-deadline-rule'] select")
    expect(rule).to_have_value("transfer")
    expect(page.locator("[data-entry-id='clueflow-deadline-trigger'] select")).to_have_value("received_on")
    assert page.locator("[data-group-id='group-timer']").count() == 0  # no duration/cycle editor
    rule.select_option("acceptance_opinion")
    page.locator("[data-entry-id='clueflow-deadline-trigger'] select").select_option("accepted_on")
    text_field = page.locator("[data-entry-id='clueflow-timer-text'] input")
    expect(text_field).to_have_value('deadline("acceptance_opinion", accepted_on)')

    save(page)
    text = recorder.posts[-1]["text"]
    definition = bpmn_node(text, "TimerEventDefinition_TransferDue")
    assert definition.find(f"{BPMN}timeDate").text == 'deadline("acceptance_opinion", accepted_on)'
    assert errors_of(with_file("national", "bpmn/report_handling.bpmn", text)) == []
    assert page.problems == []


def test_a_new_timer_gets_its_deadline_rule_from_the_panel(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "bpmn", "report_handling")
    # A timer attached to a task, as the palette and the replace menu make it: no expression yet.
    page.evaluate("""() => { const m = window.clueflowEditor.modeler;
        const task = m.get('elementRegistry').get('Task_Filing');
        const event = m.get('elementFactory').createShape({ type: 'bpmn:BoundaryEvent',
            eventDefinitionType: 'bpmn:TimerEventDefinition' });
        m.get('modeling').createShape(event, { x: task.x + 20, y: task.y + task.height }, task, { attach: true });
        m.get('modeling').updateProperties(event, { id: 'Event_NewTimer' }); }""")
    select_shape(page, "Event_NewTimer")
    page.locator("[data-entry-id='clueflow-deadline-rule'] select").select_option("filing_notice")
    page.locator("[data-entry-id='clueflow-deadline-trigger'] select").select_option("filing_decided_on")
    save(page)
    timer = bpmn_node(recorder.posts[-1]["text"], "Event_NewTimer")
    expression = timer.find(f"{BPMN}timerEventDefinition/{BPMN}timeDate")
    assert expression.text == 'deadline("filing_notice", filing_decided_on)'


def test_a_gateways_condition_is_edited_as_feel_text(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "bpmn", "report_handling")
    page.evaluate("""() => { const m = window.clueflowEditor.modeler;
        m.get('selection').select(m.get('elementRegistry').get('Flow_Triage_Report')); }""")
    condition = page.locator("[data-entry-id='clueflow-condition'] input")
    expect(condition).to_have_value("handle_as_report = true")
    condition.fill("handle_as_report = true and redirect_to = null")
    page.click(".cf-editor-head h1")
    save(page)
    flow = bpmn_node(recorder.posts[-1]["text"], "Flow_Triage_Report")
    assert flow.find(f"{BPMN}conditionExpression").text == "handle_as_report = true and redirect_to = null"
    assert errors_of(with_file("national", "bpmn/report_handling.bpmn", recorder.posts[-1]["text"])) == []


def test_a_refused_save_keeps_the_changes_and_says_so(page, editor_server, recorder):
    recorder.answers.append({"_status": 409, "saved": False, "message": "草稿已被他人发布"})
    open_editor(page, editor_server, "national", "bpmn", "reward")
    select_shape(page, "Task_RewardApproval")
    page.locator("[data-entry-id='clueflow-decision'] select").select_option("reward_amount")
    status = save(page)
    assert status.startswith("未保存") and "草稿已被他人发布" in status
    assert page.get_attribute("[data-role=save-status]", "data-state") == "error"
    # Still unsaved: leaving asks, and the next save goes through.
    save(page)
    assert page.get_attribute("[data-role=save-status]", "data-state") == "saved"
    assert len(recorder.posts) == 2 and recorder.posts[0]["text"] == recorder.posts[1]["text"]


def test_a_business_rule_tasks_decision_is_chosen_from_the_pack(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "bpmn", "reward")
    select_shape(page, "Task_RewardApproval")
    decision = page.locator("[data-entry-id='clueflow-decision'] select")
    expect(decision).to_have_value("reward_approval")
    decision.select_option("reward_amount")
    save(page)
    task = bpmn_node(recorder.posts[-1]["text"], "Task_RewardApproval")
    assert task.get(f"{CAMUNDA}decisionRef") == "reward_amount"


def test_problems_from_the_server_are_marked_on_the_diagram_and_listed(page, editor_server, recorder):
    recorder.answers.append(
        {
            "saved": True,
            "version": "draft-2",
            "problems": [
                {
                    "file": "bpmn/report_handling.bpmn",
                    "element": "Task_Register",
                    "severity": "error",
                    "message": "user task names form 'nosuch', which the pack lacks",
                },
                {
                    "file": "bpmn/report_handling.bpmn",
                    "element": "Event_TransferDue",
                    "severity": "warning",
                    "message": "variables not set by any form or decision of the pack: foo",
                },
                {
                    "file": "bpmn/report_handling.bpmn",
                    "element": "Gone_1",
                    "severity": "error",
                    "message": "gone",
                },
                {
                    "file": "dmn/triage.dmn",
                    "element": "triage",
                    "severity": "error",
                    "message": "another file",
                },
            ],
        }
    )
    open_editor(page, editor_server, "national", "bpmn", "report_handling")
    status = save(page)
    assert "3 个错误" in status
    badge = page.locator(".cf-problem-badge[data-element='Task_Register']")
    badge.wait_for()
    assert "1" in badge.text_content()
    assert page.locator(".djs-element[data-element-id='Task_Register'].cf-problem-error").count() == 1
    assert page.locator(".djs-element[data-element-id='Event_TransferDue'].cf-problem-warning").count() == 1
    items = page.locator(".cf-problem-list li")
    assert items.count() == 3
    assert "登记举报线索" in items.nth(0).text_content()  # the element by its name, not only its id
    assert "未能在编辑器中定位" in items.nth(2).text_content()
    assert "其他文件还有 1 个问题" in page.text_content("[data-role=problems-elsewhere]")
    items.nth(1).click()  # picking a problem selects its element
    page.locator("[data-entry-id='clueflow-deadline-rule']").wait_for()


def test_the_token_simulation_is_switched_on_and_off(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "bpmn", "report_handling")
    button = page.locator("[data-role=simulate]")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".cf-bpmn-canvas.cf-simulating")).to_have_count(1)
    page.click(".djs-overlays[data-container-id='StartEvent_Received'] .bts-context-pad")  # start a token
    page.locator(".cf-bpmn-canvas .bts-token").first.wait_for()
    page.locator(".cf-bpmn-canvas .bts-log:has-text('流程')").wait_for(state="attached")  # the log in Chinese
    assert "started" not in page.locator(".cf-bpmn-canvas .bts-log").text_content()
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".cf-bpmn-canvas.cf-simulating")).to_have_count(0)
    assert page.problems == []


def test_leaving_with_unsaved_changes_asks_first(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "bpmn", "report_handling")
    select_shape(page, "Task_Register")
    page.locator("[data-entry-id='clueflow-form'] select").select_option("withdrawal")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(200)  # the dialog event arrives asynchronously after close
    assert dialogs == ["beforeunload"]


def test_the_diff_marks_the_changed_element_on_the_new_diagram(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "bpmn", "report_handling")
    select_shape(page, "Task_Register")
    page.locator("[data-entry-id='clueflow-form'] select").select_option("withdrawal")
    select_shape(page, "Event_TransferDue")
    page.locator("[data-entry-id='clueflow-deadline-rule'] select").select_option("acceptance_opinion")
    select_shape(page, "Task_TransferOverdue")
    page.click(".djs-context-pad .entry[data-action='delete']")  # the context pad's bin
    save(page)
    changes = json.dumps({"removed": ["Task_Old"]})
    page.goto(f"{editor_server.url}/_test/diff/national/report_handling?changes={changes}")
    page.wait_for_selector(".cf-bpmn-diff[data-state='ready']")
    assert page.locator(".djs-element[data-element-id='Task_Register'].cf-diff-changed").count() == 1
    assert page.locator(".cf-diff-tag-changed").count() >= 1
    # The timer's expression is what the engine reads: its change is found too.
    assert page.locator(".djs-element[data-element-id='Event_TransferDue'].cf-diff-changed").count() == 1
    # Deleting the task, bpmn-js led its incoming flow on to the end event: a third change.
    assert "修改 3" in page.text_content(".cf-legend-changed")
    assert "删除 3" in page.text_content(".cf-legend-removed")  # the task, its outgoing flow, Task_Old
    details = page.text_content(".cf-diff-details")
    assert "登记举报线索" in details and "registration → withdrawal" in details
    assert 'deadline("transfer", received_on) → deadline("acceptance_opinion", received_on)' in details
    assert "Task_Old" in details and "移交超期督办（Task_TransferOverdue）" in details
    assert "去向：Task_TransferOverdue → End_TransferOverdue" in details and "#ref" not in details
    assert_watermark(page, ".cf-bpmn-diff")
    assert page.problems == []


# --- decisions -----------------------------------------------------------------------------------


def test_the_urumqi_reward_floor_cell_is_changed_from_500_to_600(page, editor_server, recorder):
    recorder.answers.append(
        {
            "saved": True,
            "version": "draft-3",
            "problems": [
                {
                    "file": "dmn/reward_amount.dmn",
                    "element": "reward_terms",
                    "rule": "1 (Rule_reward_terms_1)",
                    "column": "下限（元）",
                    "severity": "error",
                    "message": "test: the floor is checked",
                },
                {
                    "file": "dmn/reward_amount.dmn",
                    "element": "reward_amount",
                    "rule": "",
                    "column": "",
                    "severity": "warning",
                    "message": "test: a warning about the whole decision",
                },
            ],
            "examples": {
                "passed": 3,
                "failed": 1,
                "results": [
                    {
                        "decision": "reward_amount",
                        "case": "8000 元",
                        "ok": False,
                        "expected": {"amount": 500},
                        "actual": {"amount": 600},
                    }
                ],
            },
        }
    )
    open_editor(page, editor_server, "urumqi", "dmn", "reward_amount")
    assert_watermark(page, ".cf-dmn-area")
    page.click(".cf-dmn-tabs button[data-view-id='reward_terms']")
    cell = page.locator("td[data-row-id='Rule_reward_terms_1'][data-col-id='Output_reward_terms_2']")
    assert cell.text_content().strip() == "500"
    cell.locator("[contenteditable]").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("600")
    page.click(".cf-editor-head h1")  # leave the cell
    expect(page.locator("[data-role=save-status]")).to_have_attribute("data-state", "dirty")
    save(page)

    text = recorder.posts[-1]["text"]
    entry = next(
        n
        for n in ET.fromstring(text).iter(f"{DMN}outputEntry")
        if n.get("id") == "LiteralExpression_Rule_reward_terms_1_2"
    )
    assert entry.find(f"{DMN}text").text == "600"
    pack = with_file("urumqi", "dmn/reward_amount.dmn", text)
    model = DecisionModel.from_files(
        {p: d for p, d in pack.files.items() if p.startswith("dmn/")}, pack="urumqi"
    )
    assert [str(p) for p in model.validate() if p.severity == "error"] == []
    from datetime import date

    terms = model.evaluate("reward_terms", {"criminal": False, "decision_date": date(2026, 6, 1)})
    assert terms["floor"] == 600
    assert errors_of(pack) == []

    # The server's problem is marked on the rule's row and cell; the examples show red.
    style = cell.evaluate("(td) => getComputedStyle(td).outlineStyle")
    assert style == "solid"
    assert (
        page.locator(".cf-dmn-tabs button[data-view-id='reward_terms'] .cf-tab-problems").text_content()
        == "1"
    )
    items = page.locator(".cf-problem-list li")
    assert items.count() == 2 and "规则 1 (Rule_reward_terms_1)" in items.nth(0).text_content()
    examples = page.locator("[data-role=examples]")
    assert examples.get_attribute("data-state") == "failed"
    assert "1 个未通过" in examples.text_content() and "8000 元" in examples.text_content()
    assert page.problems == []


def test_ctrl_s_while_typing_in_a_cell_saves_what_was_typed(page, editor_server, recorder):
    open_editor(page, editor_server, "urumqi", "dmn", "reward_amount")
    page.click(".cf-dmn-tabs button[data-view-id='reward_terms']")
    page.locator(
        "td[data-row-id='Rule_reward_terms_1'][data-col-id='Output_reward_terms_2'] [contenteditable]"
    ).click()
    page.keyboard.press("Control+A")
    page.keyboard.type("777")
    page.keyboard.press("Control+s")
    page.locator("[data-role=save-status][data-state=saved]").wait_for()
    assert "<text>777</text>" in recorder.posts[-1]["text"]


def test_a_broken_cell_is_refused_by_the_engine_and_marked_at_its_rule_and_column(
    page, editor_server, recorder
):
    open_editor(page, editor_server, "urumqi", "dmn", "reward_amount")
    page.click(".cf-dmn-tabs button[data-view-id='reward_terms']")
    cell = page.locator("td[data-row-id='Rule_reward_terms_2'][data-col-id='Output_reward_terms_2']")
    cell.locator("[contenteditable]").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1 +")
    page.click(".cf-editor-head h1")
    status = save(page)  # the fixture answers with the engine's check of the pack with this file
    assert "错误" in status
    assert "<text>1 +</text>" in recorder.posts[-1]["text"]
    assert cell.evaluate("(td) => getComputedStyle(td).outlineStyle") == "solid"
    item = page.locator(".cf-problem-list li.cf-problem-error").first
    assert "规则 2 (Rule_reward_terms_2)" in item.text_content() and "列 下限（元）" in item.text_content()
    assert "未能" not in item.text_content()
    # Picking the problem from another view opens its decision.
    page.click(".cf-dmn-tabs button[data-view-id='reward_amount']")
    item.click()
    page.wait_for_selector(".cf-dmn-tabs button[data-view-id='reward_terms'][aria-selected='true']")


def test_a_user_task_without_roles_is_marked_by_the_engines_check(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "bpmn", "report_handling")
    select_shape(page, "Task_Register")
    page.uncheck("[data-entry-id='clueflow-role-registrar'] input[type=checkbox]")
    save(page)
    assert 'id="Task_Register"' in recorder.posts[-1]["text"]
    assert "candidateGroups" not in bpmn_node(recorder.posts[-1]["text"], "Task_Register").attrib.__repr__()
    page.locator(".cf-problem-badge[data-element='Task_Register']").wait_for()
    assert "candidate roles" in page.text_content(".cf-problem-list")


# --- forms ---------------------------------------------------------------------------------------


def drag_field_into_form(page, field_type: str) -> None:
    """Drag a field from form-js's palette onto the last row of the form (the mouse, step by step:
    the palette's drag library follows mouse moves)."""
    source = page.locator(f".fjs-palette-field[data-field-type='{field_type}']").bounding_box()
    target = page.locator(".cf-form-area .fjs-editor-form-root .fjs-layout-row").last.bounding_box()
    page.mouse.move(source["x"] + 20, source["y"] + 20)
    page.mouse.down()
    page.mouse.move(source["x"] + 40, source["y"] + 40, steps=5)
    page.mouse.move(target["x"] + 100, target["y"] + target["height"] - 5, steps=20)
    page.mouse.up()
    key = page.locator(".fjs-properties-panel [data-entry-id='key'] input")
    key.wait_for(state="attached")
    if not key.is_visible():  # the panel's General group starts folded
        page.click(".fjs-properties-panel [data-group-id='group-general'] .bio-properties-panel-group-header")
    key.wait_for()


def test_a_field_is_added_to_a_form_in_the_form_editor(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "form", "withdrawal")
    assert_watermark(page, ".cf-form-area")
    # The palette speaks Chinese and offers only the field types the engine's forms understand.
    assert (
        page.locator(".fjs-palette-field[data-field-type='textfield']").text_content().strip() == "单行文本"
    )
    assert not page.locator(".fjs-palette-field[data-field-type='filepicker']").is_visible()
    before = json.loads(load_pack("national", DEFAULT_ROOT).files["forms/withdrawal.form"])
    drag_field_into_form(page, "textfield")
    key = page.locator(".fjs-properties-panel [data-entry-id='key'] input")
    key.fill("withdrawal_remark")
    page.click(".cf-editor-head h1")
    save(page)

    schema = json.loads(recorder.posts[-1]["text"])
    keys = [c.get("key") for c in schema["components"]]
    assert "withdrawal_remark" in keys and len(schema["components"]) == len(before["components"]) + 1
    form = load_form(schema, "withdrawal")
    assert "withdrawal_remark" in form.fields
    assert errors_of(with_file("national", "forms/withdrawal.form", recorder.posts[-1]["text"])) == []
    assert page.problems == []


def test_a_bad_field_key_is_refused_by_the_engine_and_marked(page, editor_server, recorder):
    open_editor(page, editor_server, "national", "form", "withdrawal")
    drag_field_into_form(page, "textfield")
    page.locator(".fjs-properties-panel [data-entry-id='key'] input").fill("1bad")
    page.click(".cf-editor-head h1")
    assert "错误" in save(page)  # the fixture answers with the engine's check
    item = page.locator(".cf-problem-list li.cf-problem-error").first
    assert "字段 1bad" in item.text_content() and "未能" not in item.text_content()
    field_id = next(
        c["id"] for c in json.loads(recorder.posts[-1]["text"])["components"] if c.get("key") == "1bad"
    )
    field = page.locator(f".cf-form-area .fjs-element[data-id='{field_id}']")
    assert field.evaluate("(el) => getComputedStyle(el).outlineStyle") == "solid"


def test_form_problems_are_listed_by_field_key_and_marked(page, editor_server, recorder):
    recorder.answers.append(
        {
            "saved": False,
            "message": "表单有错误",
            "problems": [
                {
                    "file": "forms/withdrawal.form",
                    "element": "withdrawn_on",
                    "severity": "error",
                    "message": "test: bad",
                }
            ],
        }
    )
    open_editor(page, editor_server, "national", "form", "withdrawal")
    status = save(page)
    assert status.startswith("未保存") and "表单有错误" in status
    item = page.locator(".cf-problem-list li")
    assert item.count() == 1 and "字段 withdrawn_on" in item.text_content()
    assert "未能" not in item.text_content()
    assert page.get_attribute("[data-role=save-status]", "data-state") == "error"
