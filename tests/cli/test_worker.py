"""`vigil worker` and `vigil scheduler` as standalone processes: they do the work, then stop
cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import signal
import subprocess
import time

from tests.cli.conftest import ROOT, VIGIL, shell, vigil

ENQUEUE = "from vigil.core.tasks import prune_events; print(prune_events.enqueue().id)"
STATUS = (
    "from django_tasks_db.models import DBTaskResult;"
    "print(DBTaskResult.objects.get(id={!r}).status)"
)
# Tasks enqueued per periodic job that runs at most once a minute (a job every few seconds,
# such as the chat offers' expiry, legitimately runs several times while the test waits).
PER_JOB = (
    "from django_tasks_db.models import DBTaskResult; from collections import Counter;"
    "from datetime import timedelta; from vigil.core.registry import PERIODIC;"
    "slow = {j.task.module_path for j in PERIODIC.values() if j.every >= timedelta(minutes=1)};"
    "paths = DBTaskResult.objects.values_list('task_path', flat=True);"
    "print(*sorted(Counter(p for p in paths if p in slow).values()))"
)
PERIODIC = (
    "from vigil.core.models import PeriodicRun; from vigil.core.registry import PERIODIC;"
    "print(PeriodicRun.objects.filter(last_enqueued_at__isnull=False).count(), len(PERIODIC))"
)


def _start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*VIGIL, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _until(check: object, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


def _all_scheduled(env: dict[str, str]) -> bool:
    ran, declared = map(int, shell(PERIODIC, env=env).split())
    return declared >= 2 and ran == declared


def test_worker_runs_tasks_and_stops_on_sigterm(vigil_env: dict[str, str]) -> None:
    assert vigil("migrate", "-v", "0", env=vigil_env).returncode == 0
    worker = _start("worker", "--queues", "maintenance", "--interval", "0.2", env=vigil_env)
    try:
        task_id = shell(ENQUEUE, env=vigil_env)
        assert _until(lambda: shell(STATUS.format(task_id), env=vigil_env) == "SUCCESSFUL")
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
        assert time.monotonic() - started < 10
        assert "Traceback" not in worker.stderr.read()  # type: ignore[union-attr]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_worker_ignores_other_queues(vigil_env: dict[str, str]) -> None:
    assert vigil("migrate", "-v", "0", env=vigil_env).returncode == 0
    task_id = shell(ENQUEUE, env=vigil_env)  # prune_events runs on "maintenance"
    done = vigil("worker", "--once", "--queues", "default,outbound", env=vigil_env)
    assert done.returncode == 0 and done.stdout.strip() == "ran 0 task(s)"
    assert shell(STATUS.format(task_id), env=vigil_env) == "READY"


def test_scheduler_enqueues_each_periodic_job_once(vigil_env: dict[str, str]) -> None:
    assert vigil("migrate", "-v", "0", env=vigil_env).returncode == 0
    schedulers = [_start("scheduler", "--every", "0.5", env=vigil_env) for _ in range(2)]
    try:
        assert _until(lambda: _all_scheduled(vigil_env))
        time.sleep(1.5)  # more passes of both schedulers: still one task per job and period
        per_job = shell(PER_JOB, env=vigil_env).split()
        assert per_job and set(per_job) == {"1"}
        for process in schedulers:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=15) == 0
    finally:
        for process in schedulers:
            if process.poll() is None:
                process.kill()
                process.wait()
