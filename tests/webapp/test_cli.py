"""The `clueflow` command as an operator uses it: decide, deadline, check-packs."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLUEFLOW = str(Path(sys.executable).parent / "clueflow")


def run(*args, timeout=60):
    return subprocess.run([CLUEFLOW, *args], capture_output=True, text=True, timeout=timeout)


def copy_packs(tmp_path: Path) -> Path:
    root = tmp_path / "packs"
    root.mkdir(parents=True)
    shutil.copy(ROOT / "packs.toml", root / "packs.toml")
    for folder in ("bpmn", "dmn", "forms", "calendars", "notices", "regulations"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def test_decide_prints_one_json_object():
    result = run(
        "decide",
        "urumqi",
        "reward_amount",
        "--input",
        json.dumps(
            {
                "base_amount": 8000,
                "criminal": False,
                "evidence_tier": "basic",
                "reporter_category": "ordinary",
                "decision_date": "2026-06-01",
            }
        ),
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["amount"] == 500 and out["rate"] == 0.05 and out["floor_applied"] is True


def test_decide_rejects_bad_json_and_unknown_packs():
    assert run("decide", "urumqi", "reward_approval", "--input", "{not json").returncode != 0
    result = run("decide", "atlantis", "reward_approval", "--input", "{}")
    assert result.returncode != 0 and "atlantis" in result.stderr


def test_deadline_prints_due_date_and_basis():
    result = run("deadline", "urumqi", "claim_window", "--from", "2025-08-02")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["due"] == "2025-10-09" and out["provisional"] is False
    assert (out["rule"], out["count"], out["unit"]) == ("claim_window", 60, "days")
    assert "CN" in out["calendar"]


def test_deadline_in_an_unconfirmed_year_fails_naming_it():
    result = run("deadline", "chongqing", "jurisdiction_dispute", "--from", "2026-12-28")
    assert result.returncode != 0
    assert "calendar CN 2027 not confirmed" in result.stderr


def test_check_packs_passes_on_the_shipped_packs():
    result = run("check-packs")
    assert result.returncode == 0, result.stdout + result.stderr
    for pack in ("national", "chongqing", "urumqi", "heilongjiang", "dali", "sichuan"):
        assert f"ok: {pack}" in result.stdout


@pytest.mark.parametrize("decision", ["acceptance", "reward_approval"])
def test_check_packs_names_a_hostile_cell_and_runs_nothing(tmp_path, decision):
    marker = tmp_path / "pwned"
    root = copy_packs(tmp_path)
    path = root / "dmn" / "national" / f"{decision}.dmn"
    text = path.read_text(encoding="utf-8")
    # Replace the first output cell's text with a Python payload.
    start = text.index("<outputEntry")
    cell_start = text.index("<text>", start) + len("<text>")
    cell_end = text.index("</text>", cell_start)
    payload = f"__import__('os').system('touch {marker}')"
    path.write_text(text[:cell_start] + payload + text[cell_end:], encoding="utf-8")

    result = run("check-packs", "--packs", str(root))
    assert result.returncode != 0
    assert f"dmn/{decision}.dmn" in result.stderr and "rule 1" in result.stderr
    run("decide", "national", decision, "--packs", str(root), "--input", "{}")
    assert not marker.exists()


def test_check_packs_names_a_broken_diagram(tmp_path):
    root = copy_packs(tmp_path)
    path = root / "bpmn" / "national" / "report_handling.bpmn"
    path.write_text(path.read_text(encoding="utf-8")[:-200], encoding="utf-8")
    result = run("check-packs", "--packs", str(root))
    assert result.returncode != 0
    assert "bpmn/report_handling.bpmn" in result.stderr and "XML" in result.stderr


def test_check_packs_names_a_broken_notice_template_a_misspelt_name_and_a_stray_file(tmp_path):
    root = copy_packs(tmp_path)
    notices = root / "notices"
    (notices / "chongqing" / "filing.txt").write_text(
        "立案告知书\n\n{% if filed %}已立案\n", encoding="utf-8"
    )
    (notices / "urumqi" / "claim.txt").write_text(
        "领奖通知书\n\n{{ reporter_nmae }}：请于{{ claim_window }}内领取。\n", encoding="utf-8"
    )
    (notices / "urumqi" / "claim_old.txt").write_text("旧模板\n", encoding="utf-8")
    result = run("check-packs", "--packs", str(root))
    assert result.returncode == 1
    assert "error: chongqing / notices/chongqing/filing.txt / line 3: 第 3 行" in result.stderr
    assert "warning: urumqi / notices/urumqi/claim.txt / reporter_nmae" in result.stdout
    assert "warning: urumqi / notices/urumqi/claim_old.txt: 不是告知书种类" in result.stdout
    assert "claim_window" not in result.stdout  # a fact every notice gets
    assert "ok: urumqi" in result.stdout and "ok: chongqing" not in result.stdout


RULES_OF_EVERY_PACK = (
    "acceptance_opinion",
    "non_acceptance_notice",
    "filing_notice",
    "transfer",
    "jurisdiction_dispute",
    "investigation",
    "claim_notice",
    "claim_window",
    "archive",
)


def test_decide_gives_each_deadline_rule_of_every_pack_the_basis_its_readers_are_shown():
    """RULES §B.12: a pack's own text by its code, another city's only as the pack's default."""
    from click.testing import CliRunner

    from webapp.cli import main

    own = {"chongqing": "CQH", "urumqi": "URU", "national": "NAT", "heilongjiang": "HLJ", "dali": "DALI"}
    cli = CliRunner()
    for pack in ("chongqing", "urumqi", "national", "heilongjiang", "dali", "sichuan"):
        for rule in RULES_OF_EVERY_PACK:
            result = cli.invoke(
                main, ["decide", pack, "deadline_rules", "--input", json.dumps({"rule": rule})]
            )
            assert result.exit_code == 0, result.output
            shown = json.loads(result.output)["basis_shown"]
            assert shown and "RULES" not in shown, (pack, rule, shown)
            for code in ("URU", "CQH", "CQF", "DALI"):
                if f"{code} 第" in shown:
                    assert own.get(pack) == code, (pack, rule, shown)


def test_check_packs_refuses_a_gateway_reading_a_removed_field_and_calls_to_unknown_functions(tmp_path):
    """Issue 14's trial: the filing form loses 决定立案 (`filed`), which the 是否立案？ gateway reads; a
    condition calls daet(…); a table cell calls system(…). Each is an error naming where it is."""
    root = copy_packs(tmp_path)
    form = root / "forms" / "national" / "filing.form"
    definition = json.loads(form.read_text(encoding="utf-8"))

    def without_filed(components):
        return [
            {**c, "components": without_filed(c["components"])} if "components" in c else c
            for c in components
            if c.get("key") != "filed"
        ]

    definition["components"] = without_filed(definition["components"])
    form.write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    result = run("check-packs", "--packs", str(root))
    assert result.returncode != 0
    assert "bpmn/report_handling.bpmn" in result.stderr and "reads filed" in result.stderr, result.stderr

    root = copy_packs(tmp_path / "second")
    bpmn = root / "bpmn" / "national" / "report_handling.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    bpmn.write_text(
        text.replace("handle_as_report = true", 'daet("2026-01-01") != null', 1), encoding="utf-8"
    )
    dmn = root / "dmn" / "national" / "acceptance.dmn"
    table = dmn.read_text(encoding="utf-8")
    start = table.index("<outputEntry")
    cell_start = table.index("<text>", start) + len("<text>")
    cell_end = table.index("</text>", cell_start)
    dmn.write_text(table[:cell_start] + 'system("ls")' + table[cell_end:], encoding="utf-8")
    result = run("check-packs", "--packs", str(root))
    assert result.returncode != 0
    assert "unknown FEEL function 'daet'" in result.stderr, result.stderr
    assert "unknown FEEL function 'system'" in result.stderr and "dmn/acceptance.dmn" in result.stderr
