"""Opening a case: a new numbered case of a bureau on the pack version in force, its 登记表
completed, for a registration or for a report handed over from another bureau of the same city.
The caller's transaction commits it."""

from __future__ import annotations

from typing import Any, Mapping

from flask_babel import gettext as _

from engine.errors import ClueflowError, ValidationError
from engine.runner import RunError
from webapp.clock import LOCAL_ZONE
from webapp.errors import CaseworkError, explain
from webapp.extensions import db
from webapp.models import Bureau, Case, User
from webapp.store import casestore
from webapp.store.casestore import INTAKE_PROCESS, REGISTRATION_FORM
from webapp.store.packversions import current_version, runner_for
from webapp.usecases.intake import next_number


def open_case(
    bureau: Bureau,
    user: User,
    data: Mapping[str, Any],
    now,
    problems=None,
    title: str = "登记举报",
    origin: Case | None = None,
) -> Case:
    """A new numbered case of a bureau with its registration task completed; `problems` found by
    the intake rules are shown together with the form's own messages; `origin`: the case of another
    bureau it was handed over from (its timeline entry names it)."""
    version = current_version(bureau.pack)
    runner = runner_for(bureau.pack, version.version, now)
    running = runner.start(INTAKE_PROCESS)
    [task] = [t for t in runner.ready_tasks(running) if t.form_id == REGISTRATION_FORM]
    number = next_number(bureau.pack, now().astimezone(LOCAL_ZONE).year)
    try:
        clean = runner.complete(running, task.id, {**data, "registration_no": number})
    except ValidationError as exc:
        if problems:
            raise ValidationError({**problems, **exc.messages}) from exc
        raise
    except (RunError, ClueflowError) as exc:
        raise CaseworkError(_("登记未能完成：%(reason)s", reason=explain(exc))) from exc
    if problems:
        raise ValidationError(problems)
    row = Case(
        number=number,
        pack=bureau.pack,
        pack_version=version.version,
        process_id=INTAKE_PROCESS,
        bureau_id=bureau.id,
        state="",
        created_at=now(),
    )
    db.session.add(row)
    casestore.copy_summary(row, clean)
    db.session.flush()
    detail: dict[str, Any] = {"task": task.name}
    if origin is not None:
        detail["case"] = origin.id
    if origin is None:
        casestore.add_event(row, user, "registered", f"{title} {number}", detail)
    else:
        casestore.add_event(row, user, "received", f"{title}，新编号 {number}", detail)
    casestore.keep(row, runner, running, {})
    return row
