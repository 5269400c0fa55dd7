"""The engine's front door for callers that think in pack names: compile (cached by version),
decide, count a deadline, check every pack.

The compiled pack is cached by (packs folder, pack name, pack version, calendar version): editing
any file of a pack makes a new version and so a fresh compile; running cases keep theirs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Mapping

from .calendars.working_days import Calendars
from .citations import cite, texts_of
from .deadlines import Deadline, compute_deadline
from .decisions import DecisionModel
from .errors import Problem
from .packs import DEFAULT_ROOT, content_hash, load_pack, read_index
from .specs import CompiledPack, check_pack, compile_pack

# Keyed by (packs folder, pack, version, id of the calendars); (calendars folder, content hash);
# (packs folder, pack, version).
_CACHE: dict[tuple[str, str, str, int], CompiledPack] = {}
_CALENDARS: dict[tuple[str, str], Calendars] = {}
_DECISIONS: dict[tuple[str, str, str], DecisionModel] = {}


def calendars_for(root: Path | str = DEFAULT_ROOT) -> Calendars:
    """The holiday tables of a packs folder (its `calendars/`, else the shipped ones)."""
    folder = Path(root) / "calendars"
    if not folder.is_dir():
        folder = DEFAULT_ROOT / "calendars"
    files = {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}
    key = (str(folder), content_hash(files))
    if key not in _CALENDARS:
        _CALENDARS[key] = Calendars.from_dir(folder)
    return _CALENDARS[key]


def compiled(pack: str, root: Path | str = DEFAULT_ROOT) -> CompiledPack:
    """The compiled pack, parsed once per version."""
    loaded = load_pack(pack, root)
    calendars = calendars_for(root)
    key = (str(Path(root).resolve()), pack, loaded.version, id(calendars))
    if key not in _CACHE:
        _CACHE[key] = compile_pack(loaded, calendars)
    return _CACHE[key]


def _decisions(pack: str, root: Path | str) -> tuple[DecisionModel, str]:
    """Only the decisions of a pack (and its calendar region): what decide and deadline need."""
    loaded = load_pack(pack, root)
    key = (str(Path(root).resolve()), pack, loaded.version)
    if key not in _DECISIONS:
        dmn = {path: data for path, data in loaded.files.items() if path.startswith("dmn/")}
        _DECISIONS[key] = DecisionModel.from_files(dmn, pack=pack)
    return _DECISIONS[key], loaded.info.calendar


def decide(
    pack: str, decision_id: str, inputs: Mapping[str, Any], root: Path | str = DEFAULT_ROOT
) -> dict[str, Any]:
    """The outputs of one decision of a pack."""
    model, _ = _decisions(pack, root)
    return model.evaluate(decision_id, inputs)


def shown_basis(pack: str, basis: str, root: Path | str = DEFAULT_ROOT) -> str:
    """A basis as the pack's readers are shown it (RULES §B.12, engine.citations)."""
    return cite(basis, texts_of(load_pack(pack, root).files, pack))


def deadline(pack: str, rule: str, start: date | str, root: Path | str = DEFAULT_ROOT) -> Deadline:
    """A deadline rule of a pack counted from a trigger date."""
    model, region = _decisions(pack, root)
    return compute_deadline(model.evaluate, calendars_for(root), region, rule, start)


def check_all(root: Path | str = DEFAULT_ROOT) -> dict[str, list[Problem]]:
    """Every problem of every pack of a packs folder."""
    from .errors import PackError

    try:
        names = list(read_index(root))
    except PackError as exc:
        return {"packs.toml": exc.problems}
    calendars = calendars_for(root)
    results: dict[str, list[Problem]] = {}
    for name in names:
        try:
            results[name] = check_pack(load_pack(name, root), calendars)
        except PackError as exc:
            results[name] = exc.problems
    return results
