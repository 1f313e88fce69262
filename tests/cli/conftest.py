"""Running the real `vigil` command as a subprocess against a fresh database.

On SQLite each test gets its own data directory (so `vigil run` migrates from nothing, as on a
newcomer's machine). When the suite runs on PostgreSQL, each test gets a scratch database on
the same server, created and dropped around it, and the subprocess keeps VIGIL_REDIS_URL.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
VIGIL = [sys.executable, "-m", "vigil"]
START_TIMEOUT = 90.0
URL_LINE = re.compile(r"Vigil is serving at (http://\S+)")


@contextmanager
def _scratch_database(url: str) -> Iterator[str]:
    import psycopg

    parts = urlsplit(url)
    name = f"vigil_cli_{uuid.uuid4().hex[:10]}"
    admin_url = urlunsplit(parts._replace(path="/postgres", query=""))
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        require(False, f"PostgreSQL is not reachable: {exc}")
        raise
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def vigil_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a `vigil` subprocess with an empty database of the suite's kind."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(
        VIGIL_DATA_DIR=str(tmp_path / "data"),
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="vigil.settings",
    )
    if os.environ.get("VIGIL_REDIS_URL"):
        env["VIGIL_REDIS_URL"] = os.environ["VIGIL_REDIS_URL"]
    db_url = os.environ.get("VIGIL_DATABASE_URL", "")
    if db_url.startswith(("postgres://", "postgresql://")):
        with _scratch_database(db_url) as scratch_url:
            env["VIGIL_DATABASE_URL"] = scratch_url
            yield env
    else:
        yield env


def vigil(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VIGIL, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def shell(code: str, *, env: dict[str, str]) -> str:
    """Run Python inside `vigil manage shell` against the same database; returns stdout."""
    done = vigil("manage", "shell", "-v", "0", "-c", code, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@dataclass
class RunningVigil:
    process: subprocess.Popen[str]
    url: str = ""
    lines: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def stdout(self) -> str:
        return "".join(self.lines)

    def stderr(self) -> str:
        return "".join(self.errors)

    def stop(self, sig: int, timeout: float = 20) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def _pump(stream: object, sink: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        sink.append(line)


def start_vigil(*args: str, env: dict[str, str]) -> RunningVigil:
    """Start `vigil run ARGS` and wait until it prints its URL."""
    process = subprocess.Popen(
        [*VIGIL, "run", "--port", "0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    running = RunningVigil(process)
    for stream, sink in ((process.stdout, running.lines), (process.stderr, running.errors)):
        threading.Thread(target=_pump, args=(stream, sink), daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        match = URL_LINE.search(running.stdout())
        if match:
            running.url = match.group(1)
            return running
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    process.wait(timeout=10)
    raise AssertionError(
        f"vigil run did not print its URL:\n{running.stdout()}\n{running.stderr()[-3000:]}"
    )


@pytest.fixture
def running() -> Iterator[list[RunningVigil]]:
    """Collects started servers and kills any still alive after the test."""
    started: list[RunningVigil] = []
    yield started
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=10)
