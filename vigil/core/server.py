"""The embedded server behind `vigil run`: HTTP and WebSocket through uvicorn, with background
services (the task worker and scheduler, later the SMTP listener) in the same process.

See docs/architecture.md#entry-points. The caller has configured Django; this module prepares
the data directory (migrations, static files), binds the socket, serves until SIGINT/SIGTERM
and then stops every service it started.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import signal
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Protocol

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections

from vigil.core.errors import VigilError

logger = logging.getLogger(__name__)

ASGI_APP = "vigil.asgi:application"


class BackgroundService(Protocol):
    """Something that runs beside the web server: started before serving, stopped after."""

    def start(self) -> None: ...

    def stop(self, timeout: float = 5.0) -> None: ...


class ListenError(VigilError):
    """The server could not bind its address (in use, not permitted, unknown host)."""

    code = "cannot_listen"


@contextlib.contextmanager
def _data_dir_lock() -> Iterator[None]:
    """Serialise start-up chores of processes sharing one data directory."""
    lock_path = settings.CONFIG.data_dir / ".startup.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepare(*, migrate: bool = True) -> None:
    """Bring the database schema up to date and gather static files into the data directory,
    where WhiteNoise serves them. Both are no-ops when nothing changed."""
    with _data_dir_lock():
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
    close_old_connections()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); port 0 picks a free one."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ListenError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    bound_port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in {"0.0.0.0", ""} else host  # noqa: S104 - a display name
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{bound_port}/"


@dataclass
class _Signals:
    """Remembers SIGINT/SIGTERM that arrive outside uvicorn (before it starts, or the one it
    re-raises after its graceful shutdown) so the process still exits cleanly."""

    received: list[int]
    stop: threading.Event

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        self.stop.set()


def serve(
    *,
    sock: socket.socket,
    services: Sequence[BackgroundService] = (),
    log_level: str = "info",
    access_log: bool = False,
    on_ready: Callable[[], None] | None = None,
) -> int:
    """Serve Vigil on `sock` until SIGINT or SIGTERM, with `services` running alongside.

    Returns the process exit code: 0 after a requested shutdown.
    """
    signals = _Signals(received=[], stop=threading.Event())
    previous = {sig: signal.signal(sig, signals.handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    started: list[BackgroundService] = []
    try:
        for service in services:
            service.start()
            started.append(service)
        config = uvicorn.Config(
            ASGI_APP,
            lifespan="off",
            log_level=log_level,
            access_log=access_log,
            proxy_headers=True,
            ws="auto",
            # permessage-deflate compressed every frame of every socket (bench.chat_load: a
            # fifth of the event loop's time); the frames are small JSON, not worth a zlib pass.
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=10,
        )
        server = _Server(config, on_ready=on_ready)
        if not signals.stop.is_set():
            server.run(sockets=[sock])
        return 0 if server.started or signals.received else 1
    finally:
        for service in reversed(started):
            try:
                service.stop()
            except Exception:
                logger.exception("stopping %r failed", service)
        sock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Server(uvicorn.Server):
    """uvicorn's server, telling the caller once it accepts connections."""

    def __init__(self, config: uvicorn.Config, *, on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self._on_ready is not None:
            self._on_ready()
