"""Standalone background processes for scale: `vigil worker` and `vigil scheduler`.

See docs/architecture.md#tasks. Each runs in the foreground until SIGINT/SIGTERM and then
finishes the task in hand before it exits. Any number of them may run against one database:
workers claim tasks under a lock, and the scheduler enqueues each period's job once.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from vigil.core.worker import make_worker, schedule_due_jobs

logger = logging.getLogger(__name__)

RESTART_DELAY = 1.0


@contextmanager
def _stop_on_signals(stop: threading.Event, worker: Worker | None = None) -> Iterator[None]:
    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()
        if worker is not None:
            worker.running = False

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _schedule_loop(stop: threading.Event, every: float) -> None:
    while not stop.is_set():
        try:
            enqueued = schedule_due_jobs()
            if enqueued:
                logger.info("enqueued periodic jobs: %s", ", ".join(enqueued))
        except Exception:  # a database blip must not end the scheduler
            logger.exception("scheduler pass failed")
        finally:
            close_old_connections()
        stop.wait(every)


def worker_run_once(*, queues: list[str] | None = None) -> int:
    """Run every task due now on `queues` (all when None); return how many ran."""
    worker = make_worker(interval=0, batch=True, queues=queues)
    worker.run()
    return worker._run_tasks


def worker_run(
    *, queues: list[str] | None = None, interval: float = 0.5, with_scheduler: bool = False
) -> None:
    """Work tasks until told to stop; optionally schedule periodic jobs in a side thread."""
    stop = threading.Event()
    worker = make_worker(interval=interval, queues=queues)
    scheduler: threading.Thread | None = None
    with _stop_on_signals(stop, worker):
        if with_scheduler:
            scheduler = threading.Thread(
                target=_schedule_loop, args=(stop, 5.0), name="vigil-scheduler", daemon=True
            )
            scheduler.start()
        logger.info("worker %s serving queues %s", worker.worker_id, queues or "all")
        while not stop.is_set():
            try:
                worker.run()
            except Exception:  # keep the worker alive across a database blip
                logger.exception("worker loop failed; restarting in %.0f s", RESTART_DELAY)
                close_old_connections()
                stop.wait(RESTART_DELAY)
            else:
                break
        stop.set()
        if scheduler is not None:
            scheduler.join(10)


def scheduler_run(*, every: float = 5.0) -> None:
    """Enqueue periodic jobs when due, until told to stop."""
    stop = threading.Event()
    with _stop_on_signals(stop):
        _schedule_loop(stop, every)
