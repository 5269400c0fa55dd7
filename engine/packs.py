"""Rule packs: read `packs.toml`, resolve a pack's parents, merge its files, hash the result.

A pack overrides its parent file by file: the merged pack holds, for every relative path under
`bpmn/`, `dmn/`, `forms/`, `examples/` (each decision's example cases, see engine.examples),
`notices/` (the wording of the notices to reporters, rendered by the application) and
`regulations/` (the texts the pack cites, see engine.citations), the file of the
nearest pack in the chain that has it. The version of a pack is the SHA-256 of its merged files, so
any edited byte makes a new version.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Mapping

from .errors import PackError, Problem

DEFAULT_ROOT = Path(__file__).resolve().parent.parent
KINDS = ("bpmn", "dmn", "forms", "examples", "notices", "regulations")
SUFFIXES = {
    "bpmn": ".bpmn",
    "dmn": ".dmn",
    "forms": ".form",
    "examples": ".json",
    "notices": ".txt",
    "regulations": ".json",
}
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class PackInfo:
    """One entry of packs.toml."""

    name: str
    display_name: str
    calendar: str
    case_prefix: str
    parent: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class Pack:
    """A pack with its inheritance resolved: merged files and their origins."""

    info: PackInfo
    chain: tuple[str, ...]  # root first, this pack last
    files: Mapping[str, bytes]  # "dmn/acceptance.dmn" -> content
    origins: Mapping[str, str] = field(default_factory=dict)  # path -> pack that supplied it

    @property
    def name(self) -> str:
        return self.info.name

    @cached_property
    def version(self) -> str:
        """The content hash, computed once: every case saved or restored on the pack asks for it."""
        return content_hash(self.files)

    def names(self, kind: str) -> list[str]:
        """The ids (file stems) of one kind of file: processes, decisions or forms."""
        prefix, suffix = f"{kind}/", SUFFIXES[kind]
        return sorted(
            p[len(prefix) : -len(suffix)] for p in self.files if p.startswith(prefix) and p.endswith(suffix)
        )

    def file(self, kind: str, stem: str) -> bytes:
        return self.files[f"{kind}/{stem}{SUFFIXES[kind]}"]


def content_hash(files: Mapping[str, bytes]) -> str:
    """The version of a set of files: SHA-256 over sorted paths and contents (first 16 hex digits)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        digest.update(path.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return digest.hexdigest()[:16]


def read_index(root: Path | str = DEFAULT_ROOT) -> dict[str, PackInfo]:
    """Read packs.toml; every pack's parent must exist and the parent chain must not loop."""
    path = Path(root) / "packs.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackError([Problem("packs.toml not found", file=str(path))]) from None
    except tomllib.TOMLDecodeError as exc:
        raise PackError([Problem(f"packs.toml is not valid TOML: {exc}", file="packs.toml")]) from None
    infos: dict[str, PackInfo] = {}
    problems: list[Problem] = []
    for name, entry in (raw.get("packs") or {}).items():
        if not isinstance(entry, dict) or not entry.get("calendar"):
            problems.append(Problem("every pack needs a calendar region", pack=name, file="packs.toml"))
            continue
        infos[name] = PackInfo(
            name=name,
            display_name=str(entry.get("display_name", name)),
            calendar=str(entry["calendar"]),
            case_prefix=str(entry.get("case_prefix", name.upper())),
            parent=entry.get("parent"),
            valid_from=entry.get("valid_from"),
            valid_to=entry.get("valid_to"),
        )
    for info in infos.values():
        if info.parent and info.parent not in infos:
            problems.append(
                Problem(f"parent pack '{info.parent}' is not defined", pack=info.name, file="packs.toml")
            )
    if problems:
        raise PackError(problems)
    for name in infos:
        _chain(infos, name)
    return infos


def _chain(infos: Mapping[str, PackInfo], name: str) -> tuple[str, ...]:
    chain: list[str] = []
    current: str | None = name
    while current:
        if current in chain:
            raise PackError(
                [
                    Problem(
                        "the parent chain loops: " + " → ".join(chain + [current]),
                        pack=name,
                        file="packs.toml",
                    )
                ]
            )
        chain.append(current)
        current = infos[current].parent
    return tuple(reversed(chain))


def _own_files(root: Path, pack: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for kind in KINDS:
        folder = root / kind / pack
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix == SUFFIXES[kind]:
                if path.stat().st_size > MAX_FILE_BYTES:
                    raise PackError(
                        [
                            Problem(
                                f"file larger than {MAX_FILE_BYTES} bytes",
                                pack=pack,
                                file=f"{kind}/{path.name}",
                            )
                        ]
                    )
                files[f"{kind}/{path.name}"] = path.read_bytes()
    return files


def load_pack(name: str, root: Path | str = DEFAULT_ROOT) -> Pack:
    """Load one pack with its parents merged file by file."""
    root = Path(root)
    infos = read_index(root)
    if name not in infos:
        raise PackError([Problem(f"unknown pack '{name}'; known: {', '.join(sorted(infos))}", pack=name)])
    chain = _chain(infos, name)
    files: dict[str, bytes] = {}
    origins: dict[str, str] = {}
    for member in chain:
        for path, data in _own_files(root, member).items():
            files[path] = data
            origins[path] = member
    return Pack(info=infos[name], chain=chain, files=files, origins=origins)


def load_all(root: Path | str = DEFAULT_ROOT) -> dict[str, Pack]:
    """Every pack of packs.toml, merged."""
    return {name: load_pack(name, root) for name in read_index(root)}
