"""The rules a process adds to its tasks beyond their forms, registered by the use cases that own them
(the reward process: URU 第十二至二十条), so that case handling runs them without knowing the process.

A process's rules are an object (a module will do) with:
  check(user, case, entry, loaded, data)   refuse a completion the form alone would allow;
  record(user, case, entry, loaded, clean) write what the completion means beyond the case state;
  after_timers(case, fired)                follow timers that fired;
  form_values(case, entry, data)           what a task's form opens with;
and optionally notice_facts(case, kind, data) and notice_document(case, kind) for the outbox.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol


class TaskRules(Protocol):
    def check(self, user: Any, case: Any, entry: Any, loaded: Any, data: Mapping[str, Any]) -> None: ...

    def record(self, user: Any, case: Any, entry: Any, loaded: Any, clean: Mapping[str, Any]) -> None: ...

    def after_timers(self, case: Any, fired: list[str]) -> None: ...

    def form_values(self, case: Any, entry: Any, data: Mapping[str, Any]) -> dict[str, Any]: ...


_BY_PROCESS: dict[str, TaskRules] = {}


def register(process_id: str, rules: TaskRules) -> None:
    """Let the case store run a process's task rules (the application factory registers them)."""
    _BY_PROCESS[process_id] = rules


def rules_for(case: Any) -> TaskRules | None:
    """The task rules of the case's process, or None when its forms say everything."""
    return _BY_PROCESS.get(case.process_id)
