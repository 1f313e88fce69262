"""The desk under load: a fresh data directory, seeded agents and widget, `vigil run` processes.

See bench/README.md#live-chat-load. Embedded: one `vigil run` (SQLite WAL, the in-memory
channel layer, the embedded task worker). With Redis: `vigil migrate` once, then N `vigil run
--no-migrate` processes on their own ports sharing the database and Redis (the pub/sub layer);
the first one runs the task worker.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 120.0
SERVING = re.compile(r"Vigil is serving at (http://[^/\s]+)/")


@dataclass(frozen=True)
class Process:
    url: str  # http://127.0.0.1:PORT
    pid: int

    @property
    def ws(self) -> str:
        return "ws" + self.url.removeprefix("http")


@dataclass(frozen=True)
class Desk:
    """What the seed made: the widget's key and the agents' credentials."""

    widget: str
    agents: list[dict[str, object]]  # {"id", "email", "name", "cookie", "token"}
    cookie_name: str


def bench_env(data_dir: Path, *, redis_url: str | None, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(
        VIGIL_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
        DJANGO_SETTINGS_MODULE="vigil.settings",
        VIGIL_ALLOWED_HOSTS="127.0.0.1,localhost",
        # One key per run: the channel-layer prefix follows from it, so runs never mix.
        VIGIL_SECRET_KEY="bench-chat-load-" + hashlib.sha256(str(data_dir).encode()).hexdigest(),
    )
    if redis_url:
        env["VIGIL_REDIS_URL"] = redis_url
    if database_url:
        env["VIGIL_DATABASE_URL"] = database_url
    return env


def seed(env: dict[str, str], *, agents: int, capacity: int, origin: str) -> Desk:
    python = sys.executable
    subprocess.run([python, "-m", "vigil", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    done = subprocess.run(
        [python, "-m", "bench.chat_load.seed", "--agents", str(agents), "--capacity",
         str(capacity), "--origin", origin],
        cwd=ROOT, env=env, check=False, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"seeding failed:\n{done.stdout}\n{done.stderr}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return Desk(widget=data["widget"], agents=data["agents"], cookie_name=data["cookie_name"])


def _start(env: dict[str, str], *, worker: bool, log: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "vigil", "run", "--port", "0", "--smtp-port", "0",
               "--no-migrate", "--log-level", "warning"]  # fmt: skip
    if not worker:
        command.append("--no-worker")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    for line in process.stdout:
        lines.append(line)
        found = SERVING.search(line)
        if found:
            break
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("vigil run did not start:\n" + "".join(lines[-40:]))
    else:
        raise RuntimeError("vigil run exited:\n" + "".join(lines[-40:]))
    handle = log.open("a")
    handle.writelines(lines)

    def drain() -> None:  # keep the pipe empty; keep the log for a post-mortem
        assert process.stdout is not None
        for rest in process.stdout:
            handle.write(rest)
            handle.flush()
        handle.close()

    threading.Thread(target=drain, daemon=True).start()
    return process, found.group(1)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextmanager
def serving(env: dict[str, str], *, processes: int, log: Path) -> Iterator[list[Process]]:
    """`processes` running `vigil run`s on free loopback ports; stopped on exit."""
    with ExitStack() as stack:
        started: list[Process] = []
        for index in range(processes):
            process, url = _start(env, worker=index == 0, log=log)
            stack.callback(_stop, process)
            started.append(Process(url=url, pid=process.pid))
        yield started
