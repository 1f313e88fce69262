"""`vigil run` as a newcomer runs it: a real process on a free port with a fresh database."""

from __future__ import annotations

import json
import re
import signal
import socket
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from tests.cli.conftest import RunningVigil, shell, start_vigil, vigil

TASK_STATUS = """
from django_tasks_db.models import DBTaskResult
print(DBTaskResult.objects.get(id="{id}").status)
"""
ENQUEUE = """
from vigil.core.tasks import prune_events
print(prune_events.enqueue().id)
"""


def get(url: str) -> tuple[int, bytes]:
    try:
        with urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except HTTPError as exc:
        return exc.code, exc.read()


def wait_for(predicate: object, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.3)
    return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_run_serves_healthz_and_static_then_stops_cleanly(
    vigil_env: dict[str, str], running: list[RunningVigil], sig: int
) -> None:
    server = start_vigil(env=vigil_env)
    running.append(server)
    assert server.url.startswith("http://127.0.0.1:")

    status, body = get(server.url + "healthz")
    assert status == 200, body
    assert json.loads(body) == {"status": "ok"}
    # Static files are served in the embedded run (the admin's stylesheet, via WhiteNoise).
    status, body = get(server.url + "static/admin/css/base.css")
    assert status == 200 and b"{" in body

    assert server.stop(sig) == 0
    assert "Traceback" not in server.stderr(), server.stderr()


def test_embedded_worker_and_scheduler_run_tasks(
    vigil_env: dict[str, str], running: list[RunningVigil]
) -> None:
    server = start_vigil(env=vigil_env)
    running.append(server)
    task_id = shell(ENQUEUE, env=vigil_env)
    assert wait_for(lambda: shell(TASK_STATUS.format(id=task_id), env=vigil_env) == "SUCCESSFUL"), (
        server.stderr()
    )
    # The scheduler enqueued every periodic job once, and the worker ran them.
    periodic = shell(
        "from vigil.core.models import PeriodicRun; from vigil.core.registry import PERIODIC;"
        "print(PeriodicRun.objects.filter(last_enqueued_at__isnull=False).count(), len(PERIODIC))",
        env=vigil_env,
    )
    ran, declared = map(int, periodic.split())
    assert declared >= 2 and ran == declared
    assert server.stop(signal.SIGTERM) == 0


def test_no_worker_leaves_tasks_to_a_standalone_worker(
    vigil_env: dict[str, str], running: list[RunningVigil]
) -> None:
    server = start_vigil("--no-worker", env=vigil_env)
    running.append(server)
    task_id = shell(ENQUEUE, env=vigil_env)
    time.sleep(2)
    assert shell(TASK_STATUS.format(id=task_id), env=vigil_env) == "READY"
    done = vigil("worker", "--once", "--queues", "maintenance", env=vigil_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ran 1 task(s)"
    assert shell(TASK_STATUS.format(id=task_id), env=vigil_env) == "SUCCESSFUL"
    assert server.stop(signal.SIGTERM) == 0


def test_run_demo_prints_a_login_that_works(
    vigil_env: dict[str, str], running: list[RunningVigil]
) -> None:
    server = start_vigil("--demo", "--demo-tickets", "12", env=vigil_env)
    running.append(server)
    login = re.search(r"^Demo login: (\S+)\s+password: (\S+)$", server.stdout(), re.MULTILINE)
    assert login, server.stdout()
    email, password = login.groups()
    check = shell(
        "from django.contrib.auth import authenticate;"
        f"u = authenticate(username={email!r}, password={password!r});"
        "from vigil.tickets.models import Ticket;"
        "print(bool(u and u.is_superuser), Ticket.objects.count())",
        env=vigil_env,
    )
    assert check == "True 12"
    assert server.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("VIGIL_DATABASE_URL", "mysql://x"),
        ("VIGIL_DEBUG", "maybe"),
        ("VIGIL_REDIS_URL", "http://localhost:6379"),
        ("VIGIL_MAX_ATTACHMENT_BYTES", "lots"),
        ("VIGIL_SECRET_KEY", "short"),
    ],
)
def test_bad_configuration_exits_2_naming_the_variable(
    vigil_env: dict[str, str], variable: str, value: str
) -> None:
    done = vigil("run", "--port", "0", env={**vigil_env, variable: value}, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("vigil: configuration error:")
    assert variable in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_no_migrate_refuses_an_unmigrated_database(vigil_env: dict[str, str]) -> None:
    done = vigil("run", "--port", "0", "--no-migrate", env=vigil_env, timeout=60)
    assert done.returncode == 1
    assert "run `vigil migrate`" in done.stderr and "Traceback" not in done.stderr


def test_busy_port_is_a_clear_error(vigil_env: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = vigil("run", "--port", str(port), env=vigil_env, timeout=60)
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_data_dir_option_holds_the_data(tmp_path: Path, vigil_env: dict[str, str]) -> None:
    data = tmp_path / "elsewhere"
    env = {k: v for k, v in vigil_env.items() if k != "VIGIL_DATA_DIR"}
    done = vigil("migrate", "--data-dir", str(data), "-v", "0", env=env)
    assert done.returncode == 0, done.stderr
    assert (data / "secret_key").is_file()
    where = shell(
        "from django.conf import settings; from django.db import connection;"
        "print(settings.MEDIA_ROOT, connection.vendor)",
        env={**env, "VIGIL_DATA_DIR": str(data)},
    )
    media, vendor = where.split()
    assert media == str(data / "media")
    if vendor == "sqlite":  # the embedded database lives there too, in WAL mode
        assert (data / "vigil.sqlite3").is_file()
        journal = shell(
            "from django.db import connection; c = connection.cursor();"
            "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])",
            env={**env, "VIGIL_DATA_DIR": str(data)},
        )
        assert journal == "wal"
