"""Moving a running case to a newer version of its pack.

`check_move` is pure: from a case's stored state and the old and new compiled packs it tells why the
case cannot move (an empty list means it can): a step the case waits at that the new version lacks or
has turned into another kind of element, a form whose fields or required fields changed, a decision
or role a waiting step names that changed, or a state the new version cannot rebuild at all.
`restore_on` rebuilds the state on the new version (the caller saves it).
"""

from __future__ import annotations

import json

from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.util.task import TaskState

from .errors import ClueflowError
from .runner import Case, Runner
from .specs import CompiledPack

OPEN_STATES = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def _find_spec(pack: CompiledPack, process_id: str, name: str) -> TaskSpec | None:
    try:
        spec, subprocesses = pack.process(process_id)
    except ClueflowError:
        return None
    for candidate in (spec, *subprocesses.values()):
        if name in candidate.task_specs:
            return candidate.task_specs[name]
    return None


def _required(pack: CompiledPack, form_id: str) -> dict[str, bool] | None:
    form = pack.forms.get(form_id)
    if form is None:
        return None
    return {k: f.required for k, f in form.fields.items()}


def check_move(stored: str, old: CompiledPack, new: CompiledPack) -> list[str]:
    """Why the case cannot move from `old` to `new` (Chinese, one line each); empty when it can."""
    try:
        case = Runner(old).restore(stored)
    except ClueflowError as exc:
        return [f"案件状态无法在原版本上读取：{exc}"]
    reasons: list[str] = []
    process_id = case.process_id
    for task in case.workflow.get_tasks(state=OPEN_STATES):
        spec = task.task_spec
        if not getattr(spec, "bpmn_id", None):
            continue
        label = f"“{spec.bpmn_name or spec.bpmn_id}”（{spec.bpmn_id}）"
        other = _find_spec(new, process_id, spec.name)
        if other is None:
            reasons.append(f"案件停留的步骤{label}在新版本中已不存在")
            continue
        if type(other).__name__ != type(spec).__name__:
            reasons.append(f"案件停留的步骤{label}在新版本中类型已改变")
            continue
        form_id = getattr(spec, "form_id", "")
        if form_id or getattr(other, "form_id", ""):
            if getattr(other, "form_id", "") != form_id:
                reasons.append(f"步骤{label}使用的表单已由 {form_id} 换为 {other.form_id}")
            elif _required(old, form_id) != _required(new, form_id):
                reasons.append(f"步骤{label}的表单 {form_id} 的字段或必填项已改变")
            if tuple(getattr(other, "roles", ())) != tuple(getattr(spec, "roles", ())):
                reasons.append(f"步骤{label}的办理角色已改变")
        if getattr(spec, "decision_id", None) != getattr(other, "decision_id", None):
            reasons.append(f"步骤{label}调用的决策已改变")
    if reasons:
        return reasons
    try:
        moved = restore_on(stored, Runner(new))
        Runner(new).ready_tasks(moved)
    except (ClueflowError, KeyError, AttributeError, TypeError, ValueError) as exc:
        return [f"案件状态无法在新版本上恢复：{exc}"]
    return []


def restore_on(stored: str, runner: Runner) -> Case:
    """The case rebuilt on the runner's pack version (its stored version is replaced)."""
    state = json.loads(stored)
    state["pack_version"] = runner.pack.version
    return runner.restore(json.dumps(state, ensure_ascii=False))
