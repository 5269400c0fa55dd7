"""A new city in minutes: copy a pack into a child pack, export a pack version as a zip in the
repository's layout, import such a zip (checked whole before anything is stored), and attach a
city bureau (with its districts) to a pack so that its cases run on it.

The zip holds `packs.toml` with the one pack's entry and, under `bpmn/<pack>/`, `dmn/<pack>/`,
`forms/<pack>/`, `examples/<pack>/`, the files that differ from the parent's published version (all
files when the pack has no parent): inheritance is file by file, as in the repository.
"""

from __future__ import annotations

import io
import json
import re
import tomllib
import zipfile
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from engine.packs import KINDS, MAX_FILE_BYTES
from webapp.extensions import db
from webapp.models import Bureau, PackDraft, RulePack, User
from webapp.store import audit, packindex
from webapp.transaction import transaction
from webapp.usecases.rulebook.checking import PATH_RE, check_files
from webapp.usecases.rulebook.drafts import (
    Forbidden,
    RulebookError,
    new_draft,
    pack_for,
    require_edit,
    visible_packs,
)

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
MAX_ZIP = 5 * 1024 * 1024
MAX_ENTRIES = 500
MAX_TOTAL = 20 * 1024 * 1024


class ImportRefused(RulebookError):
    def __init__(self, reasons: list[str]):
        super().__init__("；".join(reasons[:5]))
        self.reasons = reasons


def calendar_regions() -> set[str]:
    from engine.rules import calendars_for
    from webapp.store.packindex import packs_root

    calendars = calendars_for(packs_root())
    regions = getattr(calendars, "regions", None)
    found = set(regions() if callable(regions) else regions or ())
    return found | {r.calendar for r in packindex.index().values()}


def _check_entry(
    name: str, display_name: str, calendar: str, case_prefix: str, parent: str | None
) -> list[str]:
    problems = []
    rows = packindex.index()
    if not NAME_RE.match(name or ""):
        problems.append(_("规则包名称只能用小写字母、数字和下划线，以字母开头（2–40 个字符）"))
    elif name in rows:
        problems.append(_("已有名为“%(name)s”的规则包", name=name))
    if not (display_name or "").strip():
        problems.append(_("请填写显示名称"))
    if calendar not in calendar_regions():
        problems.append(_("未知的日历地区“%(c)s”", c=calendar))
    if not PREFIX_RE.match(case_prefix or ""):
        problems.append(_("案件编号前缀只能用大写字母和数字（1–10 个字符）"))
    elif any(r.case_prefix == case_prefix for r in rows.values()):
        problems.append(_("案件编号前缀“%(p)s”已被其他规则包使用", p=case_prefix))
    if parent and parent not in rows:
        problems.append(_("上级规则包“%(p)s”不存在", p=parent))
    return problems


def copy_pack(
    user: User, parent: str, name: str, display_name: str, calendar: str, case_prefix: str
) -> PackDraft:
    """A child pack of `parent` owned by the user's bureau, with a first draft that inherits everything."""
    require_edit(user)
    name, case_prefix = (name or "").strip(), (case_prefix or "").strip()
    problems = _check_entry(name, display_name, calendar, case_prefix, parent)
    published = packindex.published_row(parent) if parent in packindex.index() else None
    if published is None and not problems:
        problems.append(_("上级规则包没有已发布的版本"))
    if problems:
        raise ImportRefused(problems)
    with transaction():
        db.session.add(
            RulePack(
                name=name,
                display_name=display_name.strip(),
                parent=parent,
                calendar=calendar,
                case_prefix=case_prefix,
                owner_bureau_id=user.bureau_id,
            )
        )
        db.session.flush()
        draft = new_draft(user, name, dict(published.files), None)
        audit.record(
            user,
            "pack.copy",
            name,
            detail={
                "parent": parent,
                "parent_version": published.version,
                "draft": draft.id,
                "calendar": calendar,
                "case_prefix": case_prefix,
            },
        )
    return draft


# -- export ------------------------------------------------------------------------------------------


def _toml_entry(row: RulePack) -> str:
    lines = [f"[packs.{row.name}]"]
    if row.parent:
        lines.append(f"parent = {json.dumps(row.parent)}")
    lines += [
        f"display_name = {json.dumps(row.display_name, ensure_ascii=False)}",
        f"calendar = {json.dumps(row.calendar)}",
        f"case_prefix = {json.dumps(row.case_prefix)}",
    ]
    for key in ("valid_from", "valid_to"):
        value = getattr(row, key)
        if value:
            lines.append(f"{key} = {value.isoformat()}")
    return "\n".join(lines) + "\n"


def export_zip(user: User, pack_name: str, version: str | None = None) -> tuple[str, bytes]:
    """(file name, zip bytes) of a stored version of a pack (the published one by default)."""
    row = pack_for(user, pack_name)
    if not version:
        publication = packindex.publication(pack_name)
        version = publication.version if publication else ""
    stored = packindex.version_row(pack_name, version) if version else None
    if stored is None:
        raise RulebookError(_("没有这个版本"))
    parent_files = {}
    if row.parent:
        parent_row = packindex.published_row(row.parent)
        parent_files = dict(parent_row.files) if parent_row else {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("packs.toml", _toml_entry(row))
        for path, text in sorted(stored.files.items()):
            if parent_files.get(path) == text:
                continue
            kind, filename = path.split("/", 1)
            archive.writestr(f"{kind}/{pack_name}/{filename}", text)
    with transaction():
        audit.record(user, "pack.export", pack_name, detail={"version": version})
    return f"{pack_name}-{version}.zip", buffer.getvalue()


# -- import ------------------------------------------------------------------------------------------


def _open_zip(data: bytes) -> zipfile.ZipFile:
    """The uploaded archive, within the limits of size and entries; ImportRefused otherwise."""
    if len(data) > MAX_ZIP:
        raise ImportRefused([_("压缩包过大（最多 5 MB）")])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportRefused([_("不是有效的 zip 压缩包")]) from None
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ImportRefused([_("压缩包中的文件过多（最多 %(n)s 个）", n=MAX_ENTRIES)])
    if sum(i.file_size for i in infos) > MAX_TOTAL:
        raise ImportRefused([_("压缩包解压后过大")])
    return archive


def _entry_text(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str | None, str | None]:
    """(the text of an archive entry, None) or (None, why it is refused)."""
    name = info.filename
    if name.startswith("/") or "\\" in name or ".." in name.split("/") or ":" in name:
        return None, _("不允许的路径：%(p)s", p=name)
    if info.file_size > MAX_FILE_BYTES:
        return None, _("文件过大：%(p)s", p=name)
    try:
        return archive.read(info).decode("utf-8"), None
    except (UnicodeDecodeError, zipfile.BadZipFile, RuntimeError, ValueError):
        return None, _("文件无法读取（须为 UTF-8 文本）：%(p)s", p=name)


def _read_zip(data: bytes) -> tuple[dict, dict[str, str]]:
    """The packs.toml entry and the files of an uploaded zip; ImportRefused with every reason."""
    archive = _open_zip(data)
    reasons, toml_text, files = [], None, {}
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = info.filename
        text, refused = _entry_text(archive, info)
        parts = name.split("/")
        if refused:
            reasons.append(refused)
        elif name == "packs.toml":
            toml_text = text
        elif len(parts) == 3 and parts[0] in KINDS:
            files[name] = text
        else:
            reasons.append(_("不属于规则包布局的文件：%(p)s", p=name))
    if toml_text is None:
        reasons.append(_("压缩包中没有 packs.toml"))
    if reasons:
        raise ImportRefused(reasons)
    try:
        entries = tomllib.loads(toml_text).get("packs") or {}
    except tomllib.TOMLDecodeError as exc:
        raise ImportRefused([_("packs.toml 格式错误：%(e)s", e=str(exc))]) from None
    if len(entries) != 1 or not isinstance(next(iter(entries.values())), dict):
        raise ImportRefused([_("packs.toml 须恰好定义一个规则包")])
    return entries, files


def import_zip(user: User, data: bytes) -> PackDraft:
    """A draft from an uploaded pack zip: of a new pack (owned by the user's bureau) or of one of the
    bureau's packs. Nothing is stored unless the whole pack is readable and has no errors."""
    require_edit(user)
    entries, raw = _read_zip(data)
    [(name, entry)] = entries.items()
    reasons, files_own = [], {}
    for path, text in raw.items():
        kind, folder, filename = path.split("/")
        if folder != name:
            reasons.append(_("文件不在本规则包的目录下：%(p)s", p=path))
            continue
        rel = f"{kind}/{filename}"
        if not PATH_RE.match(rel):
            reasons.append(_("文件名不合规：%(p)s", p=path))
            continue
        files_own[rel] = text
    existing = packindex.index().get(name)
    parent = entry.get("parent")
    if existing is not None:
        if existing.name not in {r.name for r in visible_packs(user)}:
            raise Forbidden(_("已有同名规则包，且它不属于本局"))
        parent = existing.parent
    else:
        reasons += _check_entry(
            name,
            str(entry.get("display_name", "")),
            str(entry.get("calendar", "")),
            str(entry.get("case_prefix", "")),
            parent,
        )
    if reasons:
        raise ImportRefused(reasons)
    base = packindex.published_row(parent) if parent else None
    files = {**(dict(base.files) if base else {}), **files_own}
    info = packindex.info_of(existing) if existing else _info(name, entry)
    check = check_files(name, files, info)
    errors = [p for p in check.problems if p["severity"] == "error"]
    if errors:
        raise ImportRefused(
            [
                f"{p['file']} {p['element']} {p['rule'] or ''} {p['column'] or ''}：{p['message']}".replace(
                    "  ", " "
                )
                for p in errors
            ]
        )
    with transaction():
        if existing is None:
            db.session.add(
                RulePack(
                    name=name,
                    display_name=info.display_name,
                    parent=parent,
                    calendar=info.calendar,
                    case_prefix=info.case_prefix,
                    valid_from=info.valid_from,
                    valid_to=info.valid_to,
                    owner_bureau_id=user.bureau_id,
                )
            )
            db.session.flush()
        current = packindex.publication(name) if existing else None
        draft = new_draft(user, name, files, current.version if current else None)
        audit.record(
            user,
            "pack.import",
            name,
            detail={"draft": draft.id, "files": sorted(files_own), "new_pack": existing is None},
        )
    return draft


def _info(name: str, entry: dict):
    from engine.packs import PackInfo

    def day(value):
        return value if isinstance(value, date) else None

    return PackInfo(
        name=name,
        display_name=str(entry.get("display_name", name)),
        calendar=str(entry["calendar"]),
        case_prefix=str(entry["case_prefix"]),
        parent=entry.get("parent"),
        valid_from=day(entry.get("valid_from")),
        valid_to=day(entry.get("valid_to")),
    )


# -- bureaus -----------------------------------------------------------------------------------------


def attach_bureau(user: User, pack_name: str) -> Bureau:
    """An administrator of a city bureau puts the bureau and its districts on a published pack it owns
    (or its own pack again): their new cases start on that pack. Running cases keep theirs."""
    if "administrator" not in user.roles or user.bureau.level != "city":
        raise Forbidden(_("只有市级医保局的系统管理员可以更换本局使用的规则包"))
    row = packindex.entry(pack_name)
    if row is None or not (row.owner_bureau_id == user.bureau_id or row.name == user.bureau.pack):
        raise RulebookError(_("只能选择本局创建的规则包"))
    if packindex.publication(pack_name) is None:
        raise RulebookError(_("该规则包还没有已发布的版本"))
    with transaction():
        city = user.bureau
        old = city.pack
        for bureau in [city, *city.districts]:
            bureau.pack = pack_name
        audit.record(user, "bureau.attach", pack_name, detail={"bureau": city.code, "from": old})
    return city


def owned_packs(user: User) -> list[RulePack]:
    return list(db.session.execute(select(RulePack).filter_by(owner_bureau_id=user.bureau_id)).scalars())
