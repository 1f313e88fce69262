"""The chat sockets' database calls, optionally on a pool of threads. See
docs/architecture.md#real-time.

channels' database_sync_to_async runs every call of every socket in one thread (thread
sensitive). Each chat socket call (channels/chat/session_calls.py) is self-contained (its own
transaction, nothing kept in the thread between calls), so it may run in any thread: with
`settings.VIGIL_SOCKET_DB_THREADS` > 0 in a pool of that many. Each thread keeps its own
connection (SQLite: kept CONN_MAX_AGE, writers serialised by BEGIN IMMEDIATE; PostgreSQL:
closed after each call, or handed back to the pool when VIGIL_DATABASE_POOL_MAX > 0), and
close_old_connections runs before and after every call as in channels. Off (0) by default on
SQLite, whose one writer serialises the calls anyway (bench.chat_load: 4 threads cut chat
start latency but not message latency); 4 on PostgreSQL (vigil/config.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from channels.db import DatabaseSyncToAsync, database_sync_to_async
from django.conf import settings

DEFAULT_THREADS = 0

_lock = threading.Lock()
_executor: tuple[int, int, ThreadPoolExecutor] | None = None  # (pid, size, executor)


def pool_threads() -> int:
    return int(getattr(settings, "VIGIL_SOCKET_DB_THREADS", DEFAULT_THREADS))


def _pool(size: int) -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None or _executor[:2] != (os.getpid(), size):
            pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="vigil-socket-db")
            _executor = (os.getpid(), size, pool)
        return _executor[2]


def db(fn: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """`fn` as a coroutine function running in the pool (or channels' one thread)."""
    size = pool_threads()
    if size <= 0:
        return database_sync_to_async(fn)
    return DatabaseSyncToAsync(fn, thread_sensitive=False, executor=_pool(size))
