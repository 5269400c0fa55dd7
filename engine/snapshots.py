"""What the runner tells the application about a case, as plain data that can cross processes: the
ready tasks, a snapshot after a change, and the result of firing a stored case's timers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TaskInfo:
    """A ready user task, as the application lists it."""

    id: str
    element_id: str
    name: str
    form_id: str
    roles: tuple[str, ...]
    process_id: str
    deadline: dict[str, Any] | None = None  # the earliest deadline timer attached to the task, explained


@dataclass(frozen=True)
class Snapshot:
    """What the application keeps of a case after a change: the state to store, the tasks waiting
    for a person, the running deadlines (explained), the next timer instant, and how it ended.
    Plain data, so it can be computed in another process than the one that writes it."""

    state: str
    ready: tuple[TaskInfo, ...]
    deadlines: tuple[dict[str, Any], ...]
    next_timer: datetime | None
    completed: bool
    outcome: str  # the last end event reached once completed, else ""


@dataclass(frozen=True)
class TimerRun:
    """A stored case's due timers fired: the ids of the timer elements that fired, and the case after
    them (None when none was due; `next_timer` is then the stored state's own next instant)."""

    fired: tuple[str, ...]
    snapshot: Snapshot | None
    next_timer: datetime | None
