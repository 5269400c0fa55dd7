"""`make bench` still runs: each service-layer bench on tiny sizes. Behaviour only, never timings."""

import sys
from pathlib import Path

sys.path.insert(
    0, str(Path(__file__).resolve().parents[1])
)  # `bench` is run as `python -m bench`, not installed

from bench import databases, inbox, service  # noqa: E402


def _sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'bench.sqlite'}"


def test_the_service_bench_completes_every_jurisdiction_task(tmp_path):
    figures = service.run(3, _sqlite_url(tmp_path))
    assert len(figures["complete_task"]) == len(figures["case_for"]) == 3
    assert len(figures["runner"]) == len(figures["bare"]) >= 3
    service.report("SQLite", 3, figures)


def test_the_inbox_bench_generates_cases_and_lists_tasks(tmp_path, capsys):
    url = _sqlite_url(tmp_path)
    figures = inbox.run(url, 200, 2)
    listed = {username: size for username, _what, _samples, size in figures["inbox"]}
    assert listed["cq-case-officer"] > 0  # generated tasks reach the inbox of their bureau's roles
    assert len(figures["search"]) == 2 and len(figures["duplicates"]) == 2
    assert figures["queued"] >= 200  # the inbox queue is filled: at least one row per task
    assert dict(figures["checked"]) == {username: "ok" for username, _what in inbox.USERS}
    range_plans = [
        lines
        for name, lines in figures["plans"].items()
        if name.startswith("inbox, city case officer")
        and not name.endswith("(SQL)")
        and "task_queue" in " ".join(lines)
    ]
    assert len(range_plans) == 3  # one range per visible bureau for the officer's one role
    inbox.report("SQLite", 200, 2, figures)
    assert "Inbox and search, SQLite" in capsys.readouterr().out


def test_databases_always_include_sqlite(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    assert [label for label, _url in databases.targets()] == ["SQLite"]


def test_the_timer_bench_fires_each_due_case_once(tmp_path):
    from bench import timers

    figures = timers.run(_sqlite_url(tmp_path), 30, 5)
    assert figures["fired_events"] == figures["first"].cases == 6  # the 5 copies and their template
    assert figures["idle"].cases == 0
    timers.report("SQLite", 30, 5, figures)
