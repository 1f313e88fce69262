"""Real uvicorn processes serving vigil.asgi against the test database, for multi-process tests.

Each process gets the test database (VIGIL_DATABASE_URL), the shared Redis, and this process's
secret key (so a session created here is valid there). Always stopped, even on failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_database_url() -> str:
    """The URL of the database this test is using (pytest-django's test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return "sqlite:///" + str(Path(db["NAME"]).resolve()).lstrip("/")
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"


class Server:
    def __init__(self, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.port = port
        self.process = process
        self.log = log

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"uvicorn exited early:\n{server.output()}")
        try:
            with urlopen(f"{server.http}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn did not become ready in {START_TIMEOUT}s:\n{server.output()}")


class ServerPool:
    """Starts uvicorn processes on the test database; stops every one of them on exit."""

    def __init__(self, *, redis_url: str | None) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vigil.settings",
            "VIGIL_DATABASE_URL": test_database_url(),
            "VIGIL_REDIS_URL": redis_url or "",
            "VIGIL_SECRET_KEY": settings.SECRET_KEY,
            "VIGIL_DATA_DIR": str(settings.CONFIG.data_dir),
            "VIGIL_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "VIGIL_EMBEDDED_WORKER": "0",
        }
        self.stack = ExitStack()
        self.logs = Path(self.stack.enter_context(tempfile.TemporaryDirectory(prefix="vigil-")))
        self.servers: list[Server] = []
        self.stack.callback(self._stop_all)

    def start(self, port: int | None = None) -> Server:
        port = port or free_port()
        log = self.logs / f"server-{len(self.servers)}-{port}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "vigil.asgi:application",
                 "--host", "127.0.0.1", "--port", str(port),
                 "--lifespan", "off", "--log-level", "warning"],
                cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
            )  # fmt: skip
        server = Server(port, process, log)
        self.servers.append(server)
        _wait_ready(server)
        return server

    def _stop_all(self) -> None:
        for server in self.servers:
            server.stop()

    def outputs(self) -> str:
        return "\n".join(f"--- uvicorn :{s.port}\n{s.output()}" for s in self.servers)

    def close(self) -> None:
        self.stack.close()


@contextmanager
def publishing_through_redis(redis_url: str) -> Iterator[None]:
    """Events raised in this (test) process inside the block go out through Redis, as the
    servers' do; the broadcast is flushed before the block ends."""
    from django.test import override_settings

    from vigil.core.broadcast import broadcaster
    from vigil.realtime.layers import channel_layers_config

    layers = channel_layers_config(redis_url=redis_url, secret_key=settings.SECRET_KEY)
    try:
        with override_settings(CHANNEL_LAYERS=layers):
            yield
            assert broadcaster.flush(), "the broadcast did not go out"
    finally:
        connection.close()


@contextmanager
def server_pool(*, redis_url: str | None) -> Iterator[ServerPool]:
    pool = ServerPool(redis_url=redis_url)
    try:
        yield pool
    finally:
        pool.close()
