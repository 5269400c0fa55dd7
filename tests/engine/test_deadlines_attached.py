"""Every deadline rule of RULES.md §C governs a step of the national processes: a timer on a user
task (a boundary event) calls it, so the task index can show and the worker can enforce it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from engine.packs import DEFAULT_ROOT
from engine.specs import DEADLINE_RULES

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
PROCESSES = ("report_handling", "reward")
RULE_CALL = re.compile(r'deadline\("([^"]+)"')


def _attached() -> dict[str, list[tuple[str, str]]]:
    """rule -> [(process, user task id)] for every boundary timer on a user task."""
    found: dict[str, list[tuple[str, str]]] = {}
    for process in PROCESSES:
        root = ET.parse(Path(DEFAULT_ROOT) / "bpmn" / "national" / f"{process}.bpmn").getroot()
        tasks = {t.get("id") for t in root.iter(f"{BPMN}userTask")}
        for event in root.iter(f"{BPMN}boundaryEvent"):
            date = event.find(f"{BPMN}timerEventDefinition/{BPMN}timeDate")
            if date is None or event.get("attachedToRef") not in tasks:
                continue
            for rule in RULE_CALL.findall(date.text or ""):
                found.setdefault(rule, []).append((process, event.get("attachedToRef")))
    return found


@pytest.mark.parametrize("rule", [r for r in DEADLINE_RULES if r != "supervisor_term"])
def test_every_case_deadline_of_the_contract_is_attached_to_a_user_task(rule):
    assert _attached().get(rule), f'no user task of {PROCESSES} carries a timer calling deadline("{rule}", …)'


def test_the_steps_each_deadline_governs():
    attached = {rule: sorted(t for _, t in places) for rule, places in _attached().items()}
    assert attached == {
        "jurisdiction_dispute": ["Task_Negotiation"],
        "transfer": ["Task_Transfer"],
        "acceptance_opinion": ["Task_AcceptanceCheck"],
        "non_acceptance_notice": ["Task_NonAcceptanceNotice"],
        "filing_notice": ["Task_FilingNotice"],
        "investigation": ["Task_Investigation"],
        "investigation_extended": ["Task_InvestigationExtended"],
        "investigation_extended_major": ["Task_InvestigationMajor"],
        "claim_notice": ["Task_ClaimNotice"],
        "claim_window": ["Task_RewardClaim"],
        "archive": ["Task_Archive"],
    }
