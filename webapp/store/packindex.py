"""The pack index and the version of each pack in force, read from the database.

The index (`rule_packs`) and the first published version of each pack are seeded from the shipped
files (packs.toml and bpmn/ dmn/ forms/ examples/) the first time they are needed; from then on the
database is the source: drafts, publications, copies and imports change it, the files do not.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.packs import Pack, PackInfo, content_hash, load_pack, read_index
from webapp.extensions import db
from webapp.models import PackPublication, PackVersion, RulePack

SHIPPED_COMMENT = "随系统发布的规则包（仓库文件）"


def packs_root() -> str:
    from flask import current_app

    return current_app.config["CLUEFLOW_PACKS_ROOT"]


def ensure_seeded() -> None:
    """Seed the index and a first published version for every shipped pack the database lacks.

    The seed is committed at once when the caller has nothing pending (the usual case: the first
    read of a request); otherwise it joins the caller's transaction. Once the database is seen
    complete outside such a pending seed, the check is skipped for the life of the application.
    """
    from flask import current_app

    if current_app.extensions.get("rulebook_seeded"):
        return
    have = set(db.session.execute(select(RulePack.name)).scalars())
    shipped = read_index(packs_root())
    missing = [name for name in shipped if name not in have]
    if not missing:
        if not db.session.info.get("rulebook_seed_pending"):
            current_app.extensions["rulebook_seeded"] = True
        return
    alone = not (db.session.new or db.session.dirty or db.session.deleted)
    try:
        with db.session.begin_nested():
            for name in missing:
                info = shipped[name]
                db.session.add(
                    RulePack(
                        name=name,
                        display_name=info.display_name,
                        parent=info.parent,
                        calendar=info.calendar,
                        case_prefix=info.case_prefix,
                        valid_from=info.valid_from,
                        valid_to=info.valid_to,
                    )
                )
            db.session.flush()
            for name in missing:
                pack = load_pack(name, packs_root())
                files = {p: d.decode("utf-8") for p, d in pack.files.items()}
                store_version(name, files)
                db.session.add(PackPublication(pack=name, version=pack.version, comment=SHIPPED_COMMENT))
            db.session.flush()
    except IntegrityError:  # another request seeded them first
        return
    if alone:
        db.session.commit()
    else:
        db.session.info["rulebook_seed_pending"] = True


def index() -> dict[str, RulePack]:
    """Every pack of the index by name, parents before children as they were added."""
    ensure_seeded()
    rows = db.session.execute(select(RulePack).order_by(RulePack.created_at, RulePack.name)).scalars()
    return {r.name: r for r in rows}


def entry(name: str) -> RulePack | None:
    ensure_seeded()
    return db.session.get(RulePack, name)


def info_of(row: RulePack) -> PackInfo:
    return PackInfo(
        name=row.name,
        display_name=row.display_name,
        calendar=row.calendar,
        case_prefix=row.case_prefix,
        parent=row.parent,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
    )


def infos() -> dict[str, PackInfo]:
    return {name: info_of(row) for name, row in index().items()}


def chain(name: str) -> tuple[str, ...]:
    """The pack's parents, root first, the pack last."""
    rows, out, current = index(), [], name
    while current and current in rows and current not in out:
        out.append(current)
        current = rows[current].parent
    return tuple(reversed(out))


def store_version(pack: str, files: dict[str, str]) -> PackVersion:
    """The stored version of a set of files (content-addressed: stored once)."""
    version = version_of(files)
    row = db.session.execute(select(PackVersion).filter_by(pack=pack, version=version)).scalar_one_or_none()
    if row is None:
        row = PackVersion(pack=pack, version=version, files=dict(files))
        db.session.add(row)
        db.session.flush()
    return row


def version_of(files: dict[str, str]) -> str:
    return content_hash({p: t.encode("utf-8") for p, t in files.items()})


def publication(pack: str) -> PackPublication | None:
    """The newest publication of a pack: the version new cases start on."""
    ensure_seeded()
    return db.session.execute(
        select(PackPublication).filter_by(pack=pack).order_by(PackPublication.id.desc()).limit(1)
    ).scalar_one_or_none()


def publications(pack: str) -> list[PackPublication]:
    return list(
        db.session.execute(
            select(PackPublication).filter_by(pack=pack).order_by(PackPublication.id.desc())
        ).scalars()
    )


def published_row(pack: str) -> PackVersion | None:
    pub = publication(pack)
    if pub is None:
        return None
    return version_row(pack, pub.version)


def version_row(pack: str, version: str) -> PackVersion | None:
    return db.session.execute(select(PackVersion).filter_by(pack=pack, version=version)).scalar_one_or_none()


def as_pack(name: str, files: dict[str, str], info: PackInfo | None = None) -> Pack:
    """An engine Pack from stored files (merged already) and the index entry."""
    if info is None:
        row = entry(name)
        info = (
            info_of(row) if row else PackInfo(name=name, display_name=name, calendar="CN", case_prefix=name)
        )
    return Pack(
        info=info,
        chain=(name,),
        files={p: t.encode("utf-8") for p, t in files.items()},
        origins={p: name for p in files},
    )
