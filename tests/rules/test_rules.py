"""The rules as data: every pack's decisions and deadlines against the cases kept beside this file.

The decision cases are the packs' own example files (`examples/<pack>/<decision>.json`, merged with the
parents' file by file, the same cases the rule editor runs on every save): a full input and the outputs
it must give (only the listed outputs are checked; numbers compare as decimals). `<pack>/deadlines.json`: a deadline rule, a
trigger date, and the due date (plus `"provisional": true` when a regional calendar year is not
confirmed), or the error the computation must raise.

The cases run through the engine facade (`engine.rules`) and, for a sample, through the command line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

HERE = Path(__file__).parent
PACKS = ("national", "chongqing", "urumqi", "heilongjiang", "dali", "sichuan")
CONTRACT_DECISIONS = (
    "triage",
    "acceptance",
    "reward_eligibility",
    "reward_amount",
    "reward_approval",
    "supervisor_eligibility",
    "deadline_rules",
)
DEADLINE_RULES = (
    "acceptance_opinion",
    "non_acceptance_notice",
    "filing_notice",
    "transfer",
    "jurisdiction_dispute",
    "investigation",
    "investigation_extended",
    "investigation_extended_major",
    "claim_notice",
    "claim_window",
    "archive",
)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CLI = Path(sys.executable).parent / "clueflow"


def _load(pack: str, name: str, *, decimals: bool) -> list[dict]:
    if name == "decisions":
        return _examples(pack, decimals=decimals)
    path = HERE / pack / f"{name}.json"
    with path.open(encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal) if decimals else json.load(f)


def _examples(pack: str, *, decimals: bool) -> list[dict]:
    """The example cases of a pack's merged files, in the shape of the deadline cases."""
    from engine.examples import decision_of
    from engine.packs import load_pack

    cases = []
    for path, data in sorted(load_pack(pack).files.items()):
        decision = decision_of(path)
        if decision is None:
            continue
        for case in json.loads(data, parse_float=Decimal) if decimals else json.loads(data):
            cases.append({"pack": pack, "decision": decision, "rule": case.get("basis", ""), **case})
    return cases


def _cases(name: str) -> list[tuple[str, int, dict]]:
    return [(pack, n, case) for pack in PACKS for n, case in enumerate(_load(pack, name, decimals=True))]


DECISION_CASES = _cases("decisions")
DEADLINE_CASES = _cases("deadlines")


def _id(item) -> str:
    pack, n, case = item
    what = case.get("decision") or case.get("rule")
    return f"{pack}-{what}-{n}"


def _typed(inputs: dict) -> dict:
    """JSON values → the facade's Python values: decimals stay Decimal, YYYY-MM-DD becomes a date."""
    return {
        k: date.fromisoformat(v) if isinstance(v, str) and DATE_RE.match(v) else v for k, v in inputs.items()
    }


def _check_outputs(case: dict, actual: dict) -> None:
    for key, expected in case["expect"].items():
        assert key in actual, f"output {key!r} missing; got {actual!r}"
        got = actual[key]
        if isinstance(expected, bool) or expected is None:
            assert got is expected, f"{key}: expected {expected!r}, got {got!r} ({case.get('note', '')})"
        elif isinstance(expected, (int, Decimal, float)):
            assert got is not None and not isinstance(got, bool), f"{key}: expected {expected}, got {got!r}"
            assert Decimal(str(expected)) == Decimal(str(got)), (
                f"{key}: expected {expected}, got {got!r} ({case.get('note', '')})"
            )
        else:
            assert got == expected, f"{key}: expected {expected!r}, got {got!r} ({case.get('note', '')})"


# ---------------------------------------------------------------- the case files themselves


def test_case_files_cover_the_contract():
    """Every pack has cases for every decision of the contract and every deadline rule."""
    for pack in PACKS:
        decisions = {c["decision"] for c in _load(pack, "decisions", decimals=False)}
        assert set(CONTRACT_DECISIONS) <= decisions, (pack, set(CONTRACT_DECISIONS) - decisions)
        rules = {c["rule"] for c in _load(pack, "deadlines", decimals=False)}
        assert set(DEADLINE_RULES) <= rules, (pack, set(DEADLINE_RULES) - rules)
        for case in _load(pack, "decisions", decimals=False):
            assert case["pack"] == pack and case["expect"] and case.get("rule"), case
        for case in _load(pack, "deadlines", decimals=False):
            assert case["pack"] == pack and ("due" in case) != ("error" in case), case


# ---------------------------------------------------------------- through the engine facade


@pytest.mark.parametrize("item", DECISION_CASES, ids=_id)
def test_decision(item):
    from engine.rules import decide

    pack, _, case = item
    actual = decide(pack, case["decision"], _typed(case["input"]))
    _check_outputs(case, actual)


@pytest.mark.parametrize("item", DEADLINE_CASES, ids=_id)
def test_deadline(item):
    from engine.calendars.working_days import CalendarNotConfirmed
    from engine.rules import deadline

    pack, _, case = item
    start = date.fromisoformat(case["start"])
    if "error" in case:
        with pytest.raises(CalendarNotConfirmed, match=re.escape(case["error"])):
            deadline(pack, case["rule"], start)
        return
    result = deadline(pack, case["rule"], start)
    assert result.due == date.fromisoformat(case["due"]), case.get("note", "")
    assert result.provisional is case.get("provisional", False), case.get("note", "")


# ---------------------------------------------------------------- through the command line (a sample)


# Each CLI call starts a process (~2 s): one case per decision of the contract, spread over the packs
# so that every pack and the pack-specific tables are reached, and one deadline of each outcome.
CLI_PICKS = (
    ("chongqing", "triage"),
    ("national", "acceptance"),
    ("heilongjiang", "reward_eligibility"),
    ("urumqi", "reward_amount"),
    ("sichuan", "reward_amount"),
    ("urumqi", "reward_approval"),
    ("dali", "supervisor_eligibility"),
    ("urumqi", "deadline_rules"),
)
CLI_DECISIONS = [next(i for i in DECISION_CASES if (i[0], i[2]["decision"]) == pick) for pick in CLI_PICKS]
CLI_DEADLINES = [
    next(i for i in DEADLINE_CASES if "due" in i[2] and not i[2].get("provisional")),
    next(i for i in DEADLINE_CASES if i[2].get("provisional")),
    next(i for i in DEADLINE_CASES if "error" in i[2]),
]


def _run(*args: str) -> subprocess.CompletedProcess:
    assert CLI.exists(), f"{CLI} not installed (pip install -e .)"
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("item", CLI_DECISIONS, ids=_id)
def test_decision_cli(item):
    pack, n, _ = item
    case = _load(pack, "decisions", decimals=False)[n]
    proc = _run("decide", pack, case["decision"], "--input", json.dumps(case["input"], ensure_ascii=False))
    assert proc.returncode == 0, proc.stderr
    _check_outputs(case, json.loads(proc.stdout, parse_float=Decimal))


@pytest.mark.parametrize("item", CLI_DEADLINES, ids=_id)
def test_deadline_cli(item):
    _, _, case = item
    proc = _run("deadline", case["pack"], case["rule"], "--from", case["start"])
    if "error" in case:
        assert proc.returncode != 0
        assert case["error"] in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["due"] == case["due"]
    assert out["provisional"] is case.get("provisional", False)
