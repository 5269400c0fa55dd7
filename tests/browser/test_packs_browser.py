"""The pack page in a real browser: bpmn-js draws the processes, dmn-js the decisions, form-js the forms."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from playwright.sync_api import expect

from engine.packs import DEFAULT_ROOT, load_pack

BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


def drawn_ids(bpmn: bytes) -> list[str]:
    """The ids of the elements a BPMN file lays out as shapes."""
    root = ET.fromstring(bpmn)
    return [shape.get("bpmnElement") for shape in root.iter(f"{BPMNDI}BPMNShape")]


def rule_count(dmn: bytes, decision: str) -> int:
    root = ET.fromstring(dmn)
    for element in root.iter(f"{DMN}decision"):
        if element.get("id") == decision:
            return len(list(element.iter(f"{DMN}rule")))
    raise AssertionError(f"no decision {decision}")


def wait_ready(page, box: str) -> None:
    page.wait_for_selector(f"{box}[data-state='ready'], {box}[data-state='error']")
    status = page.locator(f"{box} [data-role='status']")
    assert page.get_attribute(box, "data-state") == "ready", status.text_content()


def assert_watermark(page, box: str) -> None:
    """The bpmn.io mark is shown, and inside the viewer's box (its licence requires it)."""
    mark = page.locator(f"{box} .bjs-powered-by")
    assert mark.count() == 1 and mark.is_visible(), f"no visible bpmn.io watermark in {box}"
    inner, outer = mark.bounding_box(), page.locator(box).bounding_box()
    assert outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"], box
    assert outer["y"] <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"], box


# --- the mechanics, on the tiny pack tree -----------------------------------------------------------


def test_a_process_is_drawn_with_its_shapes_and_the_watermark(page, fixture_server):
    page.goto(f"{fixture_server.url}/packs/child")
    wait_ready(page, "#bpmn-intake")
    for element_id in ["received", "register", "registered", "flow_1"]:
        assert page.locator(f"#bpmn-intake svg [data-element-id='{element_id}']").count() == 1, element_id
    assert page.locator("#bpmn-intake [data-element-id='register']").is_visible()
    assert "测试登记流程" in page.text_content("#bpmn-intake [data-role='name']")
    assert_watermark(page, "#bpmn-intake")
    assert page.problems == []


def test_a_decision_opens_on_its_table_and_switches_to_the_drd(page, fixture_server):
    page.goto(f"{fixture_server.url}/packs/child")
    wait_ready(page, "#dmn-triage")
    table = page.locator("#dmn-triage .tjs-table")
    table.wait_for()
    assert "city_hotline" in table.text_content()  # the child's own table, not the parent's
    assert page.locator("#dmn-triage .tjs-table tbody tr").count() == 2
    assert_watermark(page, "#dmn-triage")
    tabs = page.locator("#dmn-triage [role='tab']")
    assert tabs.count() == 2
    page.click("#dmn-triage [role='tab'][data-view-type='drd']")
    page.locator("#dmn-triage svg [data-element-id='triage']").wait_for()
    # the tabs are marked once dmn-js says the view changed, which may come after the drawing
    expect(page.locator("#dmn-triage [role='tab'][data-view-type='drd']")).to_have_attribute(
        "aria-selected", "true"
    )
    assert_watermark(page, "#dmn-triage")
    assert page.problems == []


def test_a_form_is_rendered_read_only_when_opened(page, fixture_server):
    page.goto(f"{fixture_server.url}/packs/base")
    page.click("#form-register summary h3")
    wait_ready(page, "#form-register")
    form = page.locator("#form-register .fjs-form")
    form.wait_for()
    assert "被举报对象" in form.text_content()
    assert (
        page.locator("#form-register input[type='text']").first.is_disabled()
        or page.locator("#form-register input[readonly]").count()
    )
    assert page.problems == []


def test_the_list_page_has_no_errors(page, fixture_server):
    page.goto(f"{fixture_server.url}/packs/")
    assert page.locator("[data-pack]").count() == 2
    assert page.problems == []


# --- the shipped packs -----------------------------------------------------------------------------


def test_the_national_report_handling_process_is_drawn(page, shipped_server):
    national = load_pack("national", DEFAULT_ROOT)
    ids = drawn_ids(national.file("bpmn", "report_handling"))
    assert ids, "report_handling has no diagram layout"
    page.goto(f"{shipped_server.url}/packs/national")
    wait_ready(page, "#bpmn-report_handling")
    for element_id in ids:
        assert page.locator(f"#bpmn-report_handling [data-element-id='{element_id}']").count() >= 1, (
            element_id
        )
    assert_watermark(page, "#bpmn-report_handling")
    page.locator("#bpmn-report_handling").screenshot(path="/tmp/clueflow-national-report_handling.png")
    page.screenshot(path="/tmp/clueflow-national.png")
    assert page.problems == []


def test_every_process_and_decision_of_every_shipped_pack_renders(page, shipped_server):
    from engine.packs import load_all

    for name, pack in load_all(DEFAULT_ROOT).items():
        page.goto(f"{shipped_server.url}/packs/{name}")
        for box in [f"#bpmn-{stem}" for stem in pack.names("bpmn")] + [
            f"#dmn-{stem}" for stem in pack.names("dmn")
        ]:
            wait_ready(page, box)
            assert_watermark(page, box)
    assert page.problems == []


def test_the_acceptance_table_shows_every_rule(page, shipped_server):
    urumqi = load_pack("urumqi", DEFAULT_ROOT)
    rules = rule_count(urumqi.file("dmn", "acceptance"), "acceptance")
    page.goto(f"{shipped_server.url}/packs/urumqi")
    wait_ready(page, "#dmn-acceptance")
    page.locator("#dmn-acceptance .tjs-table").wait_for()
    assert page.locator("#dmn-acceptance .tjs-table tbody tr").count() == rules
    assert_watermark(page, "#dmn-acceptance")
    page.locator("#dmn-acceptance").screenshot(path="/tmp/clueflow-urumqi-acceptance.png")
    assert page.problems == []


def test_the_home_page_lists_the_shipped_packs(page, shipped_server):
    page.goto(f"{shipped_server.url}/packs/")
    assert page.locator("[data-pack]").count() == 6
    page.screenshot(path="/tmp/clueflow-home.png", full_page=True)
    assert page.problems == []
