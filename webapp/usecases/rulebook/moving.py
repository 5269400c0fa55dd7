"""Running cases and a newly published version: which open cases of a pack could move to the version
in force and why the others cannot (the check is the engine's, engine.migration), and moving the
chosen ones in one transaction, each recorded in its timeline and in the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from engine.migration import check_move, restore_on
from webapp.extensions import db
from webapp.models import Case, User
from webapp.store import audit, casestore, packindex
from webapp.store.packversions import compiled_version, runner_for
from webapp.transaction import transaction
from webapp.usecases.rulebook.drafts import RulebookError, pack_for, require_publish


@dataclass
class Candidate:
    case: Case
    reasons: list[str] = field(default_factory=list)

    @property
    def movable(self) -> bool:
        return not self.reasons


def dry_run(user: User, pack_name: str) -> tuple[str, list[Candidate]]:
    """The version in force and every open case of the pack on another version, with why it cannot move."""
    pack_for(user, pack_name)
    publication = packindex.publication(pack_name)
    if publication is None:
        raise RulebookError(_("该规则包还没有已发布的版本"))
    target = publication.version
    new = compiled_version(pack_name, target)
    rows = db.session.execute(
        select(Case)
        .filter(Case.pack == pack_name, Case.status == "open", Case.pack_version != target)
        .order_by(Case.id)
    ).scalars()
    out = []
    for row in rows:
        out.append(Candidate(row, check_move(row.state, compiled_version(pack_name, row.pack_version), new)))
    return target, out


def apply(user: User, pack_name: str, case_ids: list[int]) -> list[Case]:
    """Move the chosen cases to the version in force, all or none."""
    require_publish(user)
    target, candidates = dry_run(user, pack_name)
    chosen = [c for c in candidates if c.case.id in set(case_ids)]
    if not chosen:
        raise RulebookError(_("请选择要迁移的案件"))
    refused = [c for c in chosen if not c.movable]
    if refused:
        raise RulebookError(_("以下案件不能迁移：%(cases)s", cases="、".join(c.case.number for c in refused)))
    runner = runner_for(pack_name, target)
    with transaction():
        for candidate in chosen:
            row = candidate.case
            old = row.pack_version
            running = restore_on(row.state, runner)
            row.pack_version = target
            casestore.keep(row, runner, running)
            casestore.add_event(
                row,
                user,
                "migrated",
                _("规则版本由 %(old)s 迁移到 %(new)s", old=old, new=target),
                {"from": old, "to": target},
            )
            audit.record(
                user, "case.migrate", pack_name, detail={"case": row.number, "from": old, "to": target}
            )
    return [c.case for c in chosen]
