"""The worker's loop: `clueflow worker` runs it in its own process, `clueflow run` in a thread beside
the development server."""

from __future__ import annotations

import threading

from webapp.extensions import db
from webapp.transaction import discard
from webapp.worker.ticks import DEFAULT_BATCH, DEFAULT_INTERVAL, TickResult, log, tick


def run(
    app,
    *,
    interval: float = DEFAULT_INTERVAL,
    once: bool = False,
    batch: int = DEFAULT_BATCH,
    stop: threading.Event | None = None,
    echo=None,
    processes: int = 1,
) -> TickResult | None:
    """The worker's loop: a tick, then a pause of `interval` seconds, until `stop` is set (or once).
    A tick that fails as a whole (the database away) is logged and tried again next round; the
    last tick's result is returned (None when it failed)."""
    stop = stop or threading.Event()
    result = None
    while not stop.is_set():
        with app.app_context():
            try:
                result = tick(batch, processes=processes)
            except Exception:  # noqa: BLE001 - the loop outlives a failing round
                log.exception("worker tick failed")
                discard()
                result = None
            finally:
                db.session.remove()
        if echo and (result or once):
            echo(result.summary() if result is not None else "tick failed (see the log)")
        if once:
            return result
        stop.wait(interval)
    return result


def start_beside(app, interval: float = DEFAULT_INTERVAL) -> threading.Thread:
    """One worker in a daemon thread of the web server's process: it stops with the server."""
    thread = threading.Thread(
        target=run, args=(app,), kwargs={"interval": interval}, name="clueflow-worker", daemon=True
    )
    thread.start()
    return thread
