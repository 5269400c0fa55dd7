"""The engine's part of firing due timers for the batches of claimed cases: restore each stored state,
fire its due timers and snapshot it (Runner.fire_stored) — in this process, or shared among forked
processes when a tick has many cases due.

The processes are forked at the start of a tick, after the due cases' pack versions are compiled,
so each inherits the parsed processes and calendars and needs nothing from the database: it
receives (case id, pack version, stored state) and returns plain data (TimerRun). Only this
process writes. A case whose engine work fails comes back as None and is done again by the
worker's one-case path, which records the failure with its error.

Working ahead: while this process stores one batch and commits it, the forked processes would
wait for the next claim. So the worker also hands over the cases it expects to claim next (read
without a lock) and they are fired ahead. A result computed ahead is used only for the same case
at the same lock_version — every change of a case's state raises its lock_version, and the clock
and pack versions are the tick's — so it is exactly what firing the claimed case would give;
any other result is dropped.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import queue
import signal
from contextlib import contextmanager
from datetime import datetime
from typing import Iterable, Iterator

from engine.runner import FixedClock, Runner, TimerRun
from engine.specs import CompiledPack

log = logging.getLogger("clueflow.worker")

# The compiled pack versions of the current tick, by (pack, version): set before forking, so the
# forked processes read them from their copy of this module.
_PACKS: dict[tuple[str, str], CompiledPack] = {}
PARTS_PER_PROCESS = 4
# Forked processes yield the processors to this one and to the database server (whose statements
# this process waits for) and to the web server: they take what is left over.
CHILD_NICENESS = 10  # a batch is cut finer than the processes: the first parts come back soon

Key = tuple[int, int]  # (case id, lock_version): one stored state of one case


class Engine:
    """Fires the due timers of cases handed to it (objects with id, lock_version, pack, pack_version
    and state: Case rows, or rows read ahead) and hands the results back as they are done."""

    def __init__(self, now: datetime, pool=None, processes: int = 1):
        self.now = now
        self.pool = pool
        self.processes = processes
        self._runs: dict[Key, TimerRun | None] = {}  # done, not yet taken
        self._pending: set[Key] = set()  # handed to the processes, not back yet
        self._keep: set[Key] = set()  # what the current and the next batch want
        self._done: queue.SimpleQueue = queue.SimpleQueue()  # parts coming back from the processes

    @property
    def forked(self) -> bool:
        return self.pool is not None

    def submit(self, cases: Iterable, ahead: bool = False) -> None:
        """Start on the cases of a claimed batch (what is left of earlier batches is dropped), or,
        `ahead`, on those expected next. Cases already done or under way at the same lock_version
        are not fired twice."""
        jobs = {(c.id, c.lock_version): (c.pack, c.pack_version, c.state) for c in cases}
        if ahead:
            self._keep |= set(jobs)
        else:
            self._keep = set(jobs)
            self._runs = {k: v for k, v in self._runs.items() if k in self._keep}
        todo = [
            (key, *job) for key, job in jobs.items() if key not in self._runs and key not in self._pending
        ]
        if not todo:
            return
        if self.pool is None:
            self._runs.update(_fire_jobs(todo, self.now))
            return
        self._pending.update(key for key, *_job in todo)
        size = max(1, -(-len(todo) // (self.processes * PARTS_PER_PROCESS)))
        for start in range(0, len(todo), size):
            part = todo[start : start + size]
            self.pool.apply_async(
                _fire_jobs,
                (part, self.now),
                callback=self._done.put,
                error_callback=lambda exc, keys=[j[0] for j in part]: self._lost(keys, exc),
            )

    def take(self, cases: list) -> Iterator[tuple[list, dict[int, TimerRun | None]]]:
        """(cases, case id → TimerRun, None when its engine work failed) for the given (submitted)
        cases, a group at a time as their results come in."""
        wanted = {(c.id, c.lock_version): c for c in cases}
        while wanted:
            ready = [key for key in wanted if key in self._runs]
            if not ready:
                self._collect()
                continue
            yield [wanted[key] for key in ready], {key[0]: self._runs.pop(key) for key in ready}
            for key in ready:
                del wanted[key]

    def _collect(self) -> None:
        """Wait for a part to come back, and take every other part that has."""
        results = self._done.get()
        while True:
            for key, run in results:
                self._pending.discard(key)
                if key in self._keep:
                    self._runs[key] = run
            try:
                results = self._done.get_nowait()
            except queue.Empty:
                return

    def _lost(self, keys: list[Key], exc: BaseException) -> None:
        log.warning("a part of %s cases came back broken (%r): each is done again on its own", len(keys), exc)
        self._done.put([(key, None) for key in keys])


@contextmanager
def engine_pool(
    packs: dict[tuple[str, str], CompiledPack], now: datetime, processes: int = 1
) -> Iterator[Engine]:
    """An Engine for one tick: in this process, or with `processes` forked ones (stopped on exit)."""
    _PACKS.clear()
    _PACKS.update(packs)
    if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield Engine(now)
        return
    with multiprocessing.get_context("fork").Pool(processes, _child_start) as pool:
        yield Engine(now, pool, processes)


def _child_start() -> None:
    """Ctrl-C is the worker's to handle: it stops the forked processes. A worker killed outright
    leaves none behind either: they end on the closed pipe to it. They run at a lower priority
    (CHILD_NICENESS). What a forked process inherits
    (the parsed packs, the app) lives as long as it does: it leaves the garbage collector's rounds,
    which then look only at the cases it restores (about 8% of its time otherwise)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
    os.nice(CHILD_NICENESS)


def _fire_jobs(jobs, now: datetime) -> list[tuple[Key, TimerRun | None]]:
    runners: dict[tuple[str, str], Runner] = {}
    done = []
    for key, pack, version, state in jobs:
        compiled = _PACKS.get((pack, version))
        if compiled is None:  # published after this tick began: the one-case path compiles it
            done.append((key, None))
            continue
        if (pack, version) not in runners:
            runners[pack, version] = Runner(compiled, clock=FixedClock(now))
        try:
            done.append((key, runners[pack, version].fire_stored(state)))
        except Exception as exc:  # noqa: BLE001 - done again on its own, where the failure is recorded
            log.info("engine step of case %s failed here, left to the one-case path: %r", key[0], exc)
            done.append((key, None))
    return done


__all__ = ["Engine", "engine_pool"]
