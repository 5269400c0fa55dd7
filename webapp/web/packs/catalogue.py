"""What the pack pages show: each pack of the index with the version in force — its newest
publication, as the rule book stored it — as plain data. A file is marked inherited when the
parent's version in force has the same text at the same place (nearest parent first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from engine import packs as engine_packs
from webapp.store import packindex
from webapp.translation import N_

KIND_LABELS = {
    "bpmn": N_("流程"),
    "dmn": N_("决策"),
    "forms": N_("表单"),
    "examples": N_("示例"),
    "notices": N_("告知书"),
}
MEDIA_TYPES = {
    "bpmn": "application/xml",
    "dmn": "application/xml",
    "forms": "application/json",
    "examples": "application/json",
    "notices": "text/plain; charset=utf-8",
}


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
    published_at: object = None  # when the version in force was published (None: not from the database)

    def own_count(self) -> int:
        return sum(1 for kind in self.files.values() for f in kind if not f.inherited)


def summarise(pack: engine_packs.Pack, published_at=None) -> PackSummary:
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
        published_at=published_at,
    )


def _pack_file(pack: engine_packs.Pack, kind: str, stem: str) -> PackFile:
    origin = pack.origins[f"{kind}/{stem}{engine_packs.SUFFIXES[kind]}"]
    return PackFile(kind=kind, stem=stem, origin=origin, inherited=origin != pack.name)


def all_packs() -> list[PackSummary]:
    """Every pack of the index with its version in force, parents before their children."""
    seen: dict = {}
    found = (summary(name, seen) for name in packindex.index())
    return [pack for pack in found if pack is not None]


def summary(name: str, seen: dict | None = None) -> PackSummary | None:
    """One pack's page data with the date its version in force was published (None: not in the index)."""
    seen = {} if seen is None else seen
    pack = find_pack(name, seen)
    return summarise(pack, seen[name][0].at) if pack is not None else None


def find_pack(name: str, seen: dict | None = None) -> engine_packs.Pack | None:
    """The pack's version in force as an engine Pack (None when the index lacks it), each file's
    origin the farthest parent whose version in force has the same text there without a break in
    between (the pack itself when its parent's differs). `seen` keeps the versions read for a page."""
    seen = {} if seen is None else seen
    entry = packindex.entry(name)
    row = _in_force(name, seen)[1] if entry else None
    if row is None:
        return None
    chain = packindex.chain(name)
    parents = [(parent, _in_force(parent, seen)[1]) for parent in reversed(chain[:-1])]  # nearest first
    origins = {}
    for path, text in row.files.items():
        origin = name
        for parent, parent_row in parents:
            if parent_row is None or parent_row.files.get(path) != text:
                break
            origin = parent
        origins[path] = origin
    return engine_packs.Pack(
        info=packindex.info_of(entry),
        chain=chain,
        files={p: t.encode("utf-8") for p, t in row.files.items()},
        origins=origins,
    )


def _in_force(name: str, seen: dict):
    """(newest publication, its stored version) of a pack, read once per `seen`."""
    if name not in seen:
        publication = packindex.publication(name)
        seen[name] = (publication, packindex.version_row(name, publication.version) if publication else None)
    return seen[name]


def raw_file(name: str, kind: str, stem: str) -> tuple[bytes, str] | None:
    """A file of the pack's version in force and its media type; None unless pack, kind and stem
    are all known. The stem is only ever compared with the pack's own list of names."""
    if kind not in engine_packs.KINDS:
        return None
    pack = find_pack(name)
    if pack is None or stem not in pack.names(kind):
        return None
    return pack.file(kind, stem), MEDIA_TYPES[kind]
