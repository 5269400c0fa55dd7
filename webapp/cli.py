"""The `clueflow` command: test rules from the shell, check packs, serve the application."""

from __future__ import annotations

import gc
import json
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from engine import rules
from engine.errors import ClueflowError
from engine.packs import DEFAULT_ROOT


def _jsonable(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _print(obj) -> None:
    click.echo(json.dumps(_jsonable(obj), ensure_ascii=False))


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


packs_option = click.option(
    "--packs",
    "packs_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ROOT,
    show_default=False,
    help="A folder with packs.toml, bpmn/, dmn/, forms/ (default: the shipped packs).",
)


@click.group()
def main():
    """Clueflow: rules-as-workflows for medical-insurance fund reports and rewards."""


@main.command()
@click.argument("pack")
@click.argument("decision")
@click.option("--input", "input_json", required=True, help="The decision's inputs as one JSON object.")
@packs_option
def decide(pack, decision, input_json, packs_root):
    """Print a decision's outputs as one JSON object."""
    try:
        inputs = json.loads(input_json, parse_float=Decimal)
    except ValueError as exc:
        _fail(f"--input is not valid JSON: {exc}")
    if not isinstance(inputs, dict):
        _fail("--input must be a JSON object")
    try:
        outputs = rules.decide(pack, decision, inputs, packs_root)
        if isinstance(outputs.get("basis"), str):  # the basis as people are shown it (RULES §B.12)
            outputs["basis_shown"] = rules.shown_basis(pack, outputs["basis"], packs_root)
        _print(outputs)
    except ClueflowError as exc:
        _fail(str(exc))


@main.command()
@click.argument("pack")
@click.argument("rule")
@click.option("--from", "start", required=True, help="The trigger date, YYYY-MM-DD.")
@click.option("--explain", is_flag=True, help="Also print how the due date was counted.")
@packs_option
def deadline(pack, rule, start, explain, packs_root):
    """Print a deadline: due date, provisional flag, rule, count, unit, calendar."""
    try:
        start_date = date.fromisoformat(start)
    except ValueError:
        _fail(f"--from must be a date YYYY-MM-DD, got '{start}'")
    try:
        result = rules.deadline(pack, rule, start_date, packs_root)
    except ClueflowError as exc:
        _fail(str(exc))
    out = {
        "due": result.due,
        "provisional": result.provisional,
        "rule": result.rule,
        "count": result.count,
        "unit": result.unit,
        "calendar": result.calendar,
        "basis": result.basis,
        "trigger": result.trigger,
        "roll_forward": result.roll_forward,
    }
    if result.warnings:
        out["warnings"] = list(result.warnings)
    if explain:
        out["explanation"] = list(result.explanation)
    _print(out)


@main.command("check-packs")
@packs_option
def check_packs(packs_root):
    """Validate every pack and its notice templates; exit non-zero naming pack, file, element, rule and
    column of each error."""
    from webapp.store import noticetexts
    from webapp.store.outbox import KIND_BY_FORM

    results = rules.check_all(packs_root)
    for pack, problems in noticetexts.check(
        packs_root, KIND_BY_FORM.values(), _data_names(packs_root)
    ).items():
        results.setdefault(pack, []).extend(problems)
    errors = 0
    for pack, problems in results.items():
        for problem in problems:
            if problem.severity == "error":
                errors += 1
            click.echo(f"{problem.severity}: {problem}", err=problem.severity == "error")
        if not any(p.severity == "error" for p in problems):
            click.echo(f"ok: {pack}")
    if errors:
        click.echo(f"{errors} error(s)", err=True)
        sys.exit(1)


def _data_names(packs_root):
    """pack → the names its cases can hold (None when the pack does not compile: check_all says why)."""
    from engine.packs import load_pack
    from engine.specs import compile_pack

    calendars = rules.calendars_for(packs_root)

    def names_of(pack: str) -> set[str] | None:
        try:
            return compile_pack(load_pack(pack, packs_root), calendars).data_names()
        except ClueflowError:
            return None

    return names_of


@main.group()
def db():
    """The database: apply migrations."""


@db.command("upgrade")
def db_upgrade():
    """Apply every migration (creates the database on first use)."""
    _upgrade(_app())
    click.echo("database is up to date")


@main.command("seed-demo")
def seed_demo_command():
    """Create the demo bureaus and users (idempotent) and print them."""
    app = _app()
    _upgrade(app)
    _print_demo(app)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True)
@click.option("--no-demo", is_flag=True, help="Do not create the demo bureaus and users.")
@click.option("--no-worker", is_flag=True, help="Do not run a timer worker beside the server.")
def run(host, port, debug, no_demo, no_worker):
    """Apply migrations, create the demo users, serve the web application (with one timer worker)."""
    app = _app()
    _upgrade(app)
    if not no_demo:
        _print_demo(app)
    if not no_worker:
        from webapp.worker.loop import start_beside

        start_beside(app)  # a daemon thread: it stops with the server
    click.echo(f"Clueflow at http://{host}:{port}/")
    gc.freeze()  # the app's long-lived objects (parsed packs, templates) leave the collector's rounds
    app.run(host=host, port=port, debug=debug, use_reloader=False)


@main.command()
@click.option("--once", is_flag=True, help="Run one tick and exit.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between ticks.")
@click.option(
    "--batch",
    default=20,
    show_default=True,
    help="Cases claimed per transaction (at least 250 per process when the engine work is forked).",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    default=lambda: min(os.cpu_count() or 1, 8),
    show_default="the processors, at most 8",
    help="Processes sharing the engine work of a tick with many cases due (forked per tick).",
)
@click.option("--now", "fixed_now", help="Run at this fixed instant (ISO 8601, e.g. 2026-03-24T09:00+08:00).")
def worker(once, interval, batch, processes, fixed_now):
    """Fire due timers, send deadline reminders and open district reports, every --interval seconds."""
    import logging

    from engine.runner import FixedClock
    from webapp.worker.loop import run as run_worker

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("clueflow.worker").setLevel(logging.INFO)
    app = _app()
    if fixed_now:
        from datetime import datetime

        try:
            instant = datetime.fromisoformat(fixed_now)
        except ValueError:
            _fail(f"--now must be an ISO 8601 instant, got '{fixed_now}'")
        app.config["CLUEFLOW_CLOCK"] = FixedClock(instant)
    gc.freeze()  # the app's long-lived objects leave the collector's rounds (forked processes share them)
    result = run_worker(app, interval=interval, once=once, batch=batch, processes=processes, echo=click.echo)
    if once and result is None:
        sys.exit(1)  # the tick failed as a whole (see the log)


def _app():
    from webapp.app import create_app

    return create_app()


def _upgrade(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        from webapp.store.calendaring import seed as seed_calendars

        seed_calendars()  # the calendars/*.json years the database lacks


def _print_demo(app) -> None:
    from webapp.usecases.demo import DEMO_PASSWORD, seed_demo

    with app.app_context():
        rows = seed_demo()
    click.echo(f"Demo users (password for all: {DEMO_PASSWORD}):")
    current = None
    for username, _name, bureau, _role in rows:
        if bureau != current:
            click.echo(f"  {bureau}:")
            current = bureau
        click.echo(f"    {username}")


if __name__ == "__main__":
    main()
