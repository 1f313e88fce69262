"""Running background work: the task worker and the scheduler of periodic jobs.

See docs/architecture.md#tasks. `vigil run` starts both as threads of the one process;
`vigil worker` runs workers on their own for scale. Workers use django-tasks-db.
"""

from __future__ import annotations

import logging
import threading
import uuid

from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from vigil.core.models import PeriodicRun
from vigil.core.registry import PERIODIC

logger = logging.getLogger(__name__)

ALL_QUEUES = ["*"]


def make_worker(
    *, interval: float = 0.5, batch: bool = False, queues: list[str] | None = None
) -> Worker:
    return Worker(
        queue_names=queues or ALL_QUEUES,
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"vigil-{uuid.uuid4().hex[:12]}",
        excluded_queue_names=[],
    )


def run_due_tasks() -> int:
    """Run every task that is due now, then return how many ran (tests, `vigil worker --once`)."""
    worker = make_worker(interval=0, batch=True)
    worker.run()
    return worker._run_tasks


def schedule_due_jobs() -> list[str]:
    """Enqueue each periodic job whose period has passed; safe with many schedulers."""
    enqueued: list[str] = []
    current = timezone.now()
    for job in PERIODIC.values():
        PeriodicRun.objects.get_or_create(name=job.name)
        with transaction.atomic():
            won = PeriodicRun.objects.filter(
                Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lte=current - job.every),
                name=job.name,
            ).update(last_enqueued_at=current)
            if won:
                transaction.on_commit(job.task.enqueue)
                enqueued.append(job.name)
    return enqueued


class BackgroundThreads:
    """The embedded worker and scheduler, as daemon threads of the serving process."""

    def __init__(self, *, workers: int = 1, schedule_every: float = 5.0) -> None:
        self._stop = threading.Event()
        self._workers = [make_worker() for _ in range(workers)]
        self._schedule_every = schedule_every
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for n, worker in enumerate(self._workers):
            thread = threading.Thread(
                target=self._run_worker, args=(worker,), name=f"vigil-worker-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        thread = threading.Thread(target=self._run_scheduler, name="vigil-scheduler", daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.running = False
        for thread in self._threads:
            thread.join(timeout)

    def _run_worker(self, worker: Worker) -> None:
        while not self._stop.is_set():
            try:
                worker.run()
            except Exception:  # keep the embedded worker alive across a bad task or DB blip
                logger.exception("embedded worker failed; restarting in 1 s")
                close_old_connections()
                self._stop.wait(1.0)

    def _run_scheduler(self) -> None:
        while not self._stop.is_set():
            try:
                schedule_due_jobs()
            except Exception:
                logger.exception("scheduler pass failed")
            finally:
                close_old_connections()
            self._stop.wait(self._schedule_every)
