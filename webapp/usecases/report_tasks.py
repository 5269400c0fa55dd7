"""The rules the report-handling process adds to its tasks beyond their forms (webapp.store.taskrules):
a conclusion that records a fund loss records the verified amount (RULES §B.15); a city-contracted
provider's case is proposed for the city (CQF 第二十三条第二款); a form's empty required dates open as today."""

from __future__ import annotations

from typing import Any, Mapping

from engine.errors import ValidationError
from webapp.clock import local_today
from webapp.models import Case, TaskEntry, User
from webapp.store import casestore, outbox
from webapp.store.casestore import INTAKE_PROCESS
from webapp.store.packversions import compiled_version
from webapp.usecases import jurisdiction
from webapp.usecases.intake import conclusion_problems

PROCESS = INTAKE_PROCESS
CONCLUSION_FORM = "conclusion"


def check(user: User, case: Case, entry, loaded: casestore.Loaded, data: Mapping[str, Any]) -> None:
    if entry.form_id == CONCLUSION_FORM:
        problems = conclusion_problems(data)
        if problems:
            raise ValidationError(problems)


def record(user: User, case: Case, entry, loaded: casestore.Loaded, clean: Mapping[str, Any]) -> None:
    """Nothing beyond the case state: jurisdiction's moves are webapp.usecases.jurisdiction's."""


def after_timers(case: Case, fired: list[str]) -> None:
    """Nothing follows a report-handling timer beyond the process itself."""


# What a notice task records of its own notice: never the earlier notice's (the 立案告知书's text in
# the 处理结果 task), which the case data still holds under the same names.
NOTICE_RECORD = ("notice_text", "notice_sent_on", "notice_method")


def form_values(case: Case, entry: TaskEntry, data: Mapping[str, Any]) -> dict[str, Any]:
    values = jurisdiction.prefill(case, entry.form_id, data)
    if entry.form_id in outbox.NOTICE_FORMS:
        for key in NOTICE_RECORD:
            values.pop(key, None)
    form = compiled_version(case.pack, case.pack_version).forms.get(entry.form_id)
    if form is not None:
        today = local_today()
        for key, field in form.fields.items():
            if field.type == "datetime" and field.required and not field.disabled and not values.get(key):
                values[key] = today
    return values
