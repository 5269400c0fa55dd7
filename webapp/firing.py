"""The engine's part of firing due timers for a batch of claimed cases: restore each stored state,
fire its due timers and snapshot it (Runner.fire_stored) — in this process, or shared among forked
processes when a tick has many cases due.

The processes are forked at the start of a tick, after the due cases' pack versions are compiled,
so each inherits the parsed processes and calendars and needs nothing from the database: it
receives (case id, pack version, stored state) and returns plain data (TimerRun). Only this
process writes. A case whose engine work fails comes back as None and is done again by the
worker's one-case path, which records the failure with its error.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from engine.runner import FixedClock, Runner, TimerRun
from engine.specs import CompiledPack

log = logging.getLogger("clueflow.worker")

# The compiled pack versions of the current tick, by (pack, version): set before forking, so the
# forked processes read them from their copy of this module.
_PACKS: dict[tuple[str, str], CompiledPack] = {}
PARTS_PER_PROCESS = 4  # a batch is cut finer than the processes: the first parts come back soon


class Engine:
    """Runs the engine's part for the cases of a batch, handing back parts as they are done."""

    def __init__(self, packs: dict[tuple[str, str], CompiledPack], pool=None, processes: int = 1):
        self.packs = packs
        self.pool = pool
        self.processes = processes

    def fire(self, cases: list, now: datetime) -> Iterator[tuple[list, dict[int, TimerRun | None]]]:
        """(cases, case id → TimerRun or None) for consecutive parts of `cases`, in order: the caller
        stores a part while the processes work on the next ones."""
        jobs = [(c.id, (c.pack, c.pack_version), c.state) for c in cases]
        if self.pool is None:
            yield cases, dict(_fire_jobs(jobs, now))
            return
        size = max(1, -(-len(jobs) // (self.processes * PARTS_PER_PROCESS)))
        parts = [(cases[i:i + size], jobs[i:i + size]) for i in range(0, len(jobs), size)]
        results = self.pool.imap_unordered(_fire_part, [(n, part_jobs, now) for n, (_c, part_jobs) in enumerate(parts)])
        for n, runs in results:  # whichever part is done first
            yield parts[n][0], dict(runs)


@contextmanager
def engine_pool(packs: dict[tuple[str, str], CompiledPack], processes: int = 1) -> Iterator[Engine]:
    """An Engine for one tick: in this process, or with `processes` forked ones (stopped on exit)."""
    _PACKS.clear()
    _PACKS.update(packs)
    if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield Engine(packs)
        return
    with multiprocessing.get_context("fork").Pool(processes, _child_start) as pool:
        yield Engine(packs, pool, processes)


def _child_start() -> None:
    """Ctrl-C is the worker's to handle: it stops the forked processes. A worker killed outright
    leaves none behind either: they end on the closed pipe to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _fire_part(args) -> tuple[int, list[tuple[int, TimerRun | None]]]:
    number, jobs, now = args
    return number, _fire_jobs(jobs, now)


def _fire_jobs(jobs, now: datetime) -> list[tuple[int, TimerRun | None]]:
    runners: dict[tuple[str, str], Runner] = {}
    done = []
    for case_id, key, state in jobs:
        compiled = _PACKS.get(key)
        if compiled is None:  # published after this tick began: the one-case path compiles it
            done.append((case_id, None))
            continue
        if key not in runners:
            runners[key] = Runner(compiled, clock=FixedClock(now))
        try:
            done.append((case_id, runners[key].fire_stored(state)))
        except Exception as exc:  # noqa: BLE001 - done again on its own, where the failure is recorded
            log.info("engine step of case %s failed here, left to the one-case path: %r", case_id, exc)
            done.append((case_id, None))
    return done


__all__ = ["Engine", "engine_pool"]
