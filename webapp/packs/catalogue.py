"""What the pack pages show: the shipped packs as plain data, read through `engine.packs`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from engine import packs as engine_packs

KIND_LABELS = {"bpmn": "流程", "dmn": "决策", "forms": "表单", "examples": "示例", "notices": "告知书"}
MEDIA_TYPES = {"bpmn": "application/xml", "dmn": "application/xml", "forms": "application/json",
               "examples": "application/json", "notices": "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class PackFile:
    """One merged file of a pack and where it comes from."""

    kind: str
    stem: str
    origin: str  # the pack that supplied the file
    inherited: bool  # True when the origin is a parent, not the pack itself


@dataclass(frozen=True)
class PackSummary:
    name: str
    display_name: str
    parent: str | None
    calendar: str
    case_prefix: str
    valid_from: date | None
    valid_to: date | None
    version: str
    chain: tuple[str, ...]
    files: dict[str, list[PackFile]]  # kind -> files, sorted by stem

    def own_count(self) -> int:
        return sum(1 for kind in self.files.values() for f in kind if not f.inherited)


def summarise(pack: engine_packs.Pack) -> PackSummary:
    """A merged pack as the pages show it."""
    info = pack.info
    files = {kind: [_pack_file(pack, kind, stem) for stem in pack.names(kind)] for kind in engine_packs.KINDS}
    return PackSummary(
        name=info.name,
        display_name=info.display_name,
        parent=info.parent,
        calendar=info.calendar,
        case_prefix=info.case_prefix,
        valid_from=info.valid_from,
        valid_to=info.valid_to,
        version=pack.version,
        chain=pack.chain,
        files=files,
    )


def _pack_file(pack: engine_packs.Pack, kind: str, stem: str) -> PackFile:
    origin = pack.origins[f"{kind}/{stem}{engine_packs.SUFFIXES[kind]}"]
    return PackFile(kind=kind, stem=stem, origin=origin, inherited=origin != pack.name)


def all_packs(root: Path | str) -> list[PackSummary]:
    """Every pack of packs.toml, parents before their children, in the order of the file."""
    return [summarise(pack) for pack in engine_packs.load_all(root).values()]


def find_pack(root: Path | str, name: str) -> engine_packs.Pack | None:
    """One pack merged with its parents, or None when packs.toml does not name it."""
    if name not in engine_packs.read_index(root):
        return None
    return engine_packs.load_pack(name, root)


def raw_file(root: Path | str, name: str, kind: str, stem: str) -> tuple[bytes, str] | None:
    """A merged file and its media type; None unless pack, kind and stem are all known.

    The stem is only ever compared with the pack's own list of names, never joined to a path.
    """
    if kind not in engine_packs.KINDS:
        return None
    pack = find_pack(root, name)
    if pack is None or stem not in pack.names(kind):
        return None
    return pack.file(kind, stem), MEDIA_TYPES[kind]
