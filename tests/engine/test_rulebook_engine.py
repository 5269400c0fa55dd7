"""The rule book's pure parts: example cases run against decisions, the diff of two versions, and
whether a running case can move to a new version."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from engine import examples
from engine.diff import diff_files
from engine.errors import PackError
from engine.migration import check_move, restore_on
from engine.packs import load_pack
from engine.rules import calendars_for, compiled
from engine.runner import FixedClock, Runner
from engine.specs import compile_pack

FLOOR = '<outputEntry id="LiteralExpression_Rule_reward_terms_1_2">\n          <text>500</text>'


def _with(pack, **files):
    merged = dict(pack.files)
    merged.update({k.replace("__", "/").replace("_DOT_", "."): v.encode() for k, v in files.items()})
    return replace(pack, files=merged)


def test_every_shipped_example_is_green():
    for name in ("national", "chongqing", "urumqi", "heilongjiang", "dali", "sichuan"):
        pack = compiled(name)
        results, problems = examples.run(pack.decisions, pack.pack.files)
        assert not problems and results and all(r.ok for r in results), [r for r in results if not r.ok][:3]


def test_a_changed_floor_turns_the_8000_yuan_example_red():
    pack = load_pack("urumqi")
    text = pack.files["dmn/reward_amount.dmn"].decode().replace(FLOOR, FLOOR.replace("500", "600"))
    changed = compile_pack(_with(pack, dmn__reward_amount_DOT_dmn=text), calendars_for())
    results, _ = examples.run(changed.decisions, changed.pack.files)
    red = [r for r in results if not r.ok]
    eight = next(r for r in red if r.decision == "reward_amount" and r.case == 1)
    assert eight.expected["amount"] == 500 and eight.actual["amount"] == Decimal(600)
    assert examples.summary(results)["failed"] == len(red)


def test_malformed_examples_are_problems_with_their_row():
    with pytest.raises(PackError) as err:
        examples.parse(b'[{"input": {}, "expect": {}}, {"input": 1}]', "examples/triage.json")
    assert [p.rule for p in err.value.problems] == ["1", "2"]
    with pytest.raises(PackError):
        examples.parse(b"{not json", "examples/triage.json")
    assert (
        examples.matches(Decimal("0.05"), 0.05)
        and not examples.matches(True, 1)
        and examples.matches(None, None)
    )


def test_the_diff_names_decision_rule_column_form_fields_and_bpmn_elements():
    pack = load_pack("urumqi")
    old = dict(pack.files)
    new = dict(old)
    new["dmn/reward_amount.dmn"] = old["dmn/reward_amount.dmn"].replace(
        FLOOR.encode(), FLOOR.replace("500", "600").encode()
    )
    schema = json.loads(old["forms/filing.form"])
    schema["components"].append({"type": "textfield", "key": "extra"})
    new["forms/filing.form"] = json.dumps(schema).encode()
    new["bpmn/report_handling.bpmn"] = old["bpmn/report_handling.bpmn"].replace(
        b'name="\xe7\xae\xa1\xe8\xbe\x96\xe5\xae\xa1\xe6\x9f\xa5"', b'name="X"'
    )
    del new["forms/archive.form"]
    diffs = {d.path: d for d in diff_files(old, new)}
    assert set(diffs) == {
        "dmn/reward_amount.dmn",
        "forms/filing.form",
        "bpmn/report_handling.bpmn",
        "forms/archive.form",
    }
    [decision] = diffs["dmn/reward_amount.dmn"].decisions
    assert decision["decision"] == "reward_terms"
    assert decision["rules"] == [
        {
            "rule": "1 (Rule_reward_terms_1)",
            "status": "changed",
            "cells": [{"column": "下限（元）", "old": "500", "new": "600"}],
        }
    ]
    assert diffs["forms/filing.form"].fields == {"added": ["extra"], "removed": [], "changed": []}
    assert diffs["bpmn/report_handling.bpmn"].elements == {
        "added": [],
        "changed": ["Task_Jurisdiction"],
        "removed": [],
    }
    assert diffs["forms/archive.form"].status == "removed"


def _waiting_at_registration():
    old = compiled("urumqi")
    runner = Runner(old, clock=FixedClock(datetime(2026, 3, 2, 1, tzinfo=timezone.utc)))
    case = runner.start("report_handling")
    return old, runner.save(case)


def test_a_case_moves_when_what_it_waits_at_is_unchanged():
    old, state = _waiting_at_registration()
    pack = old.pack
    text = pack.files["dmn/reward_amount.dmn"].decode().replace(FLOOR, FLOOR.replace("500", "600"))
    new = compile_pack(_with(pack, dmn__reward_amount_DOT_dmn=text), calendars_for())
    assert check_move(state, old, new) == []
    moved = restore_on(state, Runner(new))
    assert [t.element_id for t in Runner(new).ready_tasks(moved)] == ["Task_Register"]
    assert Runner(new).save(moved) and moved.pack.version == new.version


def test_a_case_cannot_move_when_its_form_or_step_changed():
    old, state = _waiting_at_registration()
    pack = old.pack
    schema = json.loads(pack.files["forms/registration.form"])
    schema["components"].append(
        {"type": "textfield", "key": "new_required", "label": "新", "validate": {"required": True}}
    )
    new = compile_pack(
        _with(pack, forms__registration_DOT_form=json.dumps(schema, ensure_ascii=False)), calendars_for()
    )
    [reason] = check_move(state, old, new)
    assert "Task_Register" in reason and "registration" in reason
    bpmn = (
        pack.files["bpmn/report_handling.bpmn"]
        .decode()
        .replace('camunda:formKey="registration"', 'camunda:formKey="walk_in"')
    )
    schema2 = json.loads(pack.files["forms/registration.form"])
    renamed = compile_pack(
        _with(
            pack,
            bpmn__report_handling_DOT_bpmn=bpmn,
            forms__walk_in_DOT_form=json.dumps({**schema2, "id": "walk_in"}, ensure_ascii=False),
        ),
        calendars_for(),
    )
    assert any("walk_in" in r for r in check_move(state, old, renamed))
