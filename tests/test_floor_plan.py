"""The floor plan of docs/architecture.md holds beyond what import-linter checks: no module grows past
what a reader takes in at once, and every floor of webapp/ is a package that says what it owns."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
FLOORS = ("web", "worker", "usecases", "store", "models")


def modules():
    for package in ("engine", "webapp"):
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("module", list(modules()))
def test_no_module_is_longer_than_a_reader_takes_in(module):
    lines = (ROOT / module).read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by what its parts own"


@pytest.mark.parametrize("floor", FLOORS)
def test_every_floor_says_what_it_owns(floor):
    init = ROOT / "webapp" / floor / "__init__.py"
    assert init.is_file(), f"webapp/{floor} is not a package"
    assert init.read_text(encoding="utf-8").lstrip().startswith('"""'), f"webapp/{floor} has no docstring"
