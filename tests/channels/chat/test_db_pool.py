"""The chat sockets' database calls run on a pool of threads, several at once, or in channels'
one database thread when VIGIL_SOCKET_DB_THREADS is 0."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from asgiref.sync import async_to_sync

from vigil.realtime.db_pool import db


def _overlap(calls: int) -> tuple[set[str], int]:
    """Run `calls` blocking calls at once; the threads they ran in and how many ran together."""
    names: set[str] = set()
    running = 0
    most = 0
    lock = threading.Lock()
    release = threading.Event()

    def call() -> None:
        nonlocal running, most
        with lock:
            names.add(threading.current_thread().name)
            running += 1
            most = max(most, running)
            if most >= 3:
                release.set()
        release.wait(0.5)  # held until three run together (or, in one thread, a timeout)
        with lock:
            running -= 1

    async def main() -> None:
        await asyncio.gather(*(db(call)() for _ in range(calls)))

    async_to_sync(main)()
    return names, most


def test_calls_run_side_by_side_in_the_pool(settings: Any) -> None:
    settings.VIGIL_SOCKET_DB_THREADS = 3
    names, most = _overlap(3)
    assert most == 3
    assert len(names) == 3 and all(n.startswith("vigil-socket-db") for n in names)


def test_zero_threads_keeps_channels_single_thread(settings: Any) -> None:
    settings.VIGIL_SOCKET_DB_THREADS = 0
    names, most = _overlap(2)
    assert most == 1 and len(names) == 1
    assert not any(n.startswith("vigil-socket-db") for n in names)
