"""The runner on a small fixture pack: tasks, forms, decisions, gateways, timers, messages, state."""

import json
import shutil
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.bpmn import FeelScriptEngine
from engine.calendars.schedule import RegionYear
from engine.calendars.working_days import Calendars
from engine.errors import ClueflowError, PackError, ValidationError
from engine.packs import load_pack
from engine.rules import calendars_for
from engine.runner import FixedClock, Runner, TaskNotReady
from engine.specs import compile_pack

FIXTURE = Path(__file__).parent / "fixtures" / "mini"


def compiled_from(root: Path):
    return compile_pack(load_pack("mini", root), calendars_for(), contract=False)


@pytest.fixture
def clock():
    return FixedClock(datetime(2026, 2, 6, 2, 0, tzinfo=timezone.utc))


@pytest.fixture
def runner(clock):
    return Runner(compiled_from(FIXTURE), clock=clock)


def roundtrip(runner, case):
    """Save to JSON text and load again, as the application does between requests."""
    return runner.restore(runner.save(case))


def only_task(runner, case, element_id=None):
    tasks = runner.ready_tasks(case)
    if element_id is not None:
        tasks = [t for t in tasks if t.element_id == element_id]
    assert len(tasks) == 1, tasks
    return tasks[0]


def test_start_lists_the_first_task_with_its_form_and_roles(runner):
    case = runner.start("flow")
    task = only_task(runner, case)
    assert (task.element_id, task.form_id, task.roles, task.name) == (
        "register",
        "reg",
        ("registrar",),
        "登记",
    )


def test_invalid_data_is_rejected_per_field_and_changes_nothing(runner):
    case = runner.start("flow")
    task = only_task(runner, case)
    with pytest.raises(ValidationError) as err:
        runner.complete(case, task.id, {"amount": "lots", "approved_by_head": True, "typename": "x", "_x": 1})
    assert {"amount", "received_on", "approved_by_head", "typename", "_x"} <= set(err.value.messages)
    assert only_task(runner, case).id == task.id
    assert "approved_by_head" not in case.data


def test_large_amount_goes_to_the_head_with_a_restore_at_every_step(runner):
    case = roundtrip(runner, runner.start("flow"))
    runner.complete(case, only_task(runner, case).id, {"received_on": "2026-02-06", "amount": "6000"})
    case = roundtrip(runner, case)
    assert case.data["big"] is True
    assert case.data["amount"] == Decimal("6000") and case.data["received_on"] == date(2026, 2, 6)
    head = only_task(runner, case)
    assert head.element_id == "head_approve" and head.roles == ("bureau_head",)
    runner.complete(case, head.id, {"opinion": "同意"})
    case = roundtrip(runner, case)
    assert case.completed
    assert "end_approved" in case.reached()


def test_timer_counts_working_days_and_fires_on_the_clock(runner, clock):
    case = runner.start("flow")
    runner.complete(case, only_task(runner, case).id, {"received_on": "2026-02-06", "amount": 100})
    case = roundtrip(runner, case)
    officer = only_task(runner, case)
    assert officer.element_id == "officer"
    assert officer.deadline["due"] == "2026-02-13" and officer.deadline["rule"] == "reply"
    [deadline] = runner.deadlines(case)
    # 2026-02-06 (Friday) + 5 working days = 2026-02-13; it passes at 00:00 on the 14th, Beijing time.
    assert (
        deadline["rule"] == "reply" and deadline["due"] == "2026-02-13" and deadline["unit"] == "working_days"
    )
    assert deadline["basis"] == "测试 第一条" and deadline["trigger"] == "2026-02-06"
    assert runner.next_timer(case) == datetime(2026, 2, 13, 16, 0, tzinfo=timezone.utc)

    clock.now = datetime(2026, 2, 13, 15, 59, tzinfo=timezone.utc)
    assert runner.fire_timers(case) == []
    clock.now = datetime(2026, 2, 13, 16, 0, tzinfo=timezone.utc)
    assert runner.fire_timers(case) == ["officer_late"]
    case = roundtrip(runner, case)
    ready = {t.element_id for t in runner.ready_tasks(case)}
    assert ready == {"officer", "overdue"}  # non-interrupting: the officer's task stays
    assert runner.deadlines(case) == []


# TEST DATA, not the State Council's notice: a plausible 2027 national schedule for the tests.
TEST_CN_2027 = {
    "region": "CN",
    "year": 2027,
    "confirmed": True,
    "source": "测试数据（非官方）",
    "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
        {"name": "春节", "from": "2027-02-05", "to": "2027-02-13"},
    ],
    "makeup_workdays": ["2027-02-14"],
}


def runner_on(years, clock):
    """The fixture pack counted on other calendars (same pack version: cases restore on it)."""
    return Runner(compile_pack(load_pack("mini", FIXTURE), Calendars(years), contract=False), clock=clock)


def test_a_deadline_in_an_unconfirmed_national_year_waits_without_a_due_date(runner, clock):
    case = runner.start("flow")
    runner.complete(case, only_task(runner, case).id, {"received_on": "2026-12-28", "amount": 100})
    case = roundtrip(runner, case)
    officer = only_task(runner, case)
    assert officer.element_id == "officer"  # the step went on; nothing guessed
    assert officer.deadline["pending"] is True and officer.deadline["due"] is None
    assert officer.deadline["waiting_for"] == {"region": "CN", "year": 2027}
    [deadline] = runner.deadlines(case)
    assert (
        deadline["rule"] == "reply"
        and deadline["trigger"] == "2026-12-28"
        and deadline["basis"] == "测试 第一条"
    )
    assert deadline["fires_at"] is None and deadline["due"] is None
    assert runner.next_timer(case) is None
    clock.now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert runner.fire_timers(case) == []  # a waiting deadline never fires
    assert runner.recompute_deadlines(case) == []  # still no 2027 calendar: still waiting

    confirmed = runner_on([*calendars_for().region_years(), RegionYear.from_dict(TEST_CN_2027)], clock)
    case = confirmed.restore(runner.save(case))
    [moved] = confirmed.recompute_deadlines(case)
    # 2026-12-28 (Monday) + 5 WD: 29, 30, 31 December, 元旦 1–3 January skipped, 4 and 5 January.
    assert (moved["element_id"], moved["rule"], moved["old_due"], moved["new_due"]) == (
        "officer_late",
        "reply",
        None,
        "2027-01-05",
    )
    case = roundtrip(confirmed, case)
    assert only_task(confirmed, case).deadline["due"] == "2027-01-05"
    assert confirmed.next_timer(case) == datetime(2027, 1, 5, 16, 0, tzinfo=timezone.utc)
    assert confirmed.recompute_deadlines(case) == []
    assert confirmed.fire_timers(case) == ["officer_late"]


def test_a_changed_holiday_moves_a_computed_deadline(runner, clock):
    case = runner.start("flow")
    runner.complete(case, only_task(runner, case).id, {"received_on": "2026-02-06", "amount": 100})
    assert only_task(runner, case).deadline["due"] == "2026-02-13"
    years = []
    for ry in calendars_for().region_years():
        if (ry.region, ry.year) == ("CN", 2026):
            data = ry.to_dict()
            data["holidays"].append({"name": "测试假日", "from": "2026-02-10", "to": "2026-02-10"})
            ry = RegionYear.from_dict(data)
        years.append(ry)
    edited = runner_on(years, clock)
    case = edited.restore(runner.save(case))
    [moved] = edited.recompute_deadlines(case)
    # 9, 11, 12, 13 February and the make-up Saturday the 14th.
    assert (moved["old_due"], moved["new_due"]) == ("2026-02-13", "2026-02-14")
    assert roundtrip(edited, case) and edited.next_timer(case) == datetime(
        2026, 2, 14, 16, 0, tzinfo=timezone.utc
    )


def test_a_message_starts_the_event_subprocess(runner):
    case = runner.start("flow")
    runner.send(case, "withdrawal", {})
    case = roundtrip(runner, case)
    task = only_task(runner, case, "record_withdrawal")
    runner.complete(case, task.id, {"withdrawal_reason": "举报人主动撤回"})
    assert only_task(runner, roundtrip(runner, case)).element_id == "register"


def test_an_unknown_message_is_an_error(runner):
    case = runner.start("flow")
    with pytest.raises(ClueflowError, match="not waiting for 'nonsense'"):
        runner.send(case, "nonsense")


def test_completing_a_task_twice_says_it_is_no_longer_waiting(runner):
    case = runner.start("flow")
    task = only_task(runner, case)
    runner.complete(case, task.id, {"received_on": "2026-02-06", "amount": 6000})
    with pytest.raises(TaskNotReady):
        runner.complete(case, task.id, {"received_on": "2026-02-06", "amount": 6000})
    with pytest.raises(TaskNotReady):
        runner.complete(case, "not-a-task-id", {})


def test_restored_case_runs_on_the_feel_engine_only(runner):
    case = roundtrip(runner, runner.start("flow"))
    assert isinstance(case.workflow.script_engine, FeelScriptEngine)
    state = json.loads(runner.save(case))
    assert "spec" not in state and "subprocess_specs" not in state
    assert state["clueflow_format"] == 1


def _library_serializer():
    """A state serializer with SpiffWorkflow's own task converter back in place of the runner's."""
    from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
    from SpiffWorkflow.task import Task

    from engine.serialization import StateSerializer

    serializer = StateSerializer()
    TaskConverter(Task, serializer.registry)
    return serializer


def test_states_are_written_and_read_as_the_library_does(runner):
    """The runner's faster task converter keeps SpiffWorkflow's stored form: at each step (decimals
    and dates in the data, a message's event subprocess) the library and the runner read a state
    to the same tasks and write it back to the same text; the ready tasks come in the tree's order."""
    library = Runner(runner.pack, clock=runner.clock)
    library.serializer = _library_serializer()
    case = runner.start("flow")
    states = [runner.save(case)]
    runner.complete(case, only_task(runner, case).id, {"received_on": "2026-02-06", "amount": "6000"})
    states.append(runner.save(case))
    runner.send(case, "withdrawal", {})
    states.append(runner.save(case))
    assert case.workflow.subprocesses and len(runner.ready_tasks(case)) == 2
    for text in states:
        ours, theirs = runner.restore(text), library.restore(text)
        assert runner.save(ours) == library.save(theirs) == text
        assert {t.id: dict(t.data) for t in ours.workflow.get_tasks()} == {
            t.id: dict(t.data) for t in theirs.workflow.get_tasks()
        }
        order = [str(t.id) for t in ours.workflow.get_tasks(state=TaskState.READY, manual=True)]
        assert [t.id for t in runner.ready_tasks(ours)] == order
    assert [t.element_id for t in runner.ready_tasks(runner.restore(states[1]))] == ["head_approve"]


def test_a_state_of_another_version_or_format_is_refused(runner):
    state = json.loads(runner.save(runner.start("flow")))
    with pytest.raises(ClueflowError, match="pack version"):
        runner.restore(json.dumps({**state, "pack_version": "0000"}))
    with pytest.raises(ClueflowError, match="format"):
        runner.restore(json.dumps({**state, "clueflow_format": 99}))
    with pytest.raises(ClueflowError, match="not JSON"):
        runner.restore("{broken")


def test_saved_text_reads_as_the_standard_librarys_would_write_it(runner):
    """States are written with orjson: the text parses to what the library's json encoder makes of the
    same case, decimals and dates tagged; a value orjson refuses (an integer beyond 64 bits) is written
    the library's way rather than lost."""
    from engine.serialization import FORMAT, FORMAT_KEY

    case = runner.start("flow")
    runner.complete(case, only_task(runner, case).id, {"received_on": "2026-02-06", "amount": "6000.50"})
    library = runner.serializer.library_json(case.workflow)
    ours = json.loads(runner.save(case))
    assert ours.pop(FORMAT_KEY) == FORMAT and ours.pop("process_id") == "flow"
    ours.pop("pack_version"), ours.pop("spiff_format")
    assert ours == json.loads(library)
    assert '{"value":"6000.50","typename":"Decimal"}' in runner.save(case)
    case.workflow.last_task.data["huge"] = 2**70
    restored = roundtrip(runner, case)
    assert restored.workflow.last_task.data["huge"] == 2**70
    assert restored.data["amount"] == Decimal("6000.50") and restored.data["received_on"] == date(2026, 2, 6)


def _variant(tmp_path, old: str, new: str, file: str = "bpmn/mini/flow.bpmn") -> Path:
    root = tmp_path / "pack"
    shutil.copytree(FIXTURE, root)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return root


def test_a_hostile_gateway_condition_is_refused_when_the_pack_is_compiled(tmp_path):
    marker = tmp_path / "pwned"
    root = _variant(tmp_path, "big = true", f"__import__('os').system('touch {marker}')")
    with pytest.raises(PackError) as err:
        compiled_from(root)
    assert any(p.element == "f4" and "FEEL" in p.message for p in err.value.problems)
    assert not marker.exists()


def test_a_script_task_is_refused(tmp_path):
    root = _variant(
        tmp_path,
        '<bpmn:businessRuleTask id="decide_approval" name="审批规则" camunda:decisionRef="approval">',
        '<bpmn:scriptTask id="decide_approval" name="脚本"><bpmn:script>big = True</bpmn:script>',
    )
    (root / "bpmn/mini/flow.bpmn").write_text(
        (root / "bpmn/mini/flow.bpmn").read_text().replace("</bpmn:businessRuleTask>", "</bpmn:scriptTask>")
    )
    with pytest.raises(PackError) as err:
        compiled_from(root)
    assert any(p.element == "decide_approval" and "scriptTask" in p.message for p in err.value.problems)


def test_a_form_or_decision_the_pack_lacks_is_named(tmp_path):
    root = _variant(tmp_path, 'camunda:formKey="reg"', 'camunda:formKey="missing_form"')
    text = (root / "bpmn/mini/flow.bpmn").read_text()
    (root / "bpmn/mini/flow.bpmn").write_text(text.replace('decisionRef="approval"', 'decisionRef="nope"'))
    with pytest.raises(PackError) as err:
        compiled_from(root)
    messages = {(p.element, p.message) for p in err.value.problems}
    assert ("register", "user task names form 'missing_form', which the pack lacks") in messages
    assert ("decide_approval", "business-rule task calls decision 'nope', which the pack lacks") in messages


def test_a_timer_with_an_unknown_deadline_rule_is_named(tmp_path):
    root = _variant(tmp_path, 'deadline("reply", received_on)', 'deadline("no_such_rule", received_on)')
    with pytest.raises(PackError) as err:
        compiled_from(root)
    assert any(p.element == "officer_late" and "no_such_rule" in p.message for p in err.value.problems)
