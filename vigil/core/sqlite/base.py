"""SQLite with one writer at a time per process, handed over at once. See
docs/architecture.md#configuration.

Every transaction on SQLite starts with `BEGIN IMMEDIATE` (the write lock up front). When the
lock is taken, SQLite's busy handler makes the caller sleep and retry, backing off up to
100 ms a try, and it hands the lock to whichever sleeper wakes first. With tens of threads
writing at once (the server's request threads, the chat sockets' database thread, the task
worker) the lock then stood free most of the time while its waiters slept: bench.chat_load
measured seconds of queueing at a quarter of a core. Here the threads of one process first
queue on a lock of their own, released the moment the transaction ends, so the next writer
starts at once; SQLite's busy timeout still arbitrates between processes. A write outside a
transaction (an autocommit UPDATE such as a delivery claim) takes the same lock for its one
statement: left to the busy handler, such statements slept up to a second each under
bench.chat_load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def writer_lock(name: str) -> threading.Lock:
    """The process's write lock for the database file `name`."""
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class _Cursor(base.SQLiteCursorWrapper):
    """A cursor whose writes outside a transaction wait on the process's write lock."""

    lock: threading.Lock
    timeout: float

    def execute(self, query: str, params: Any = None) -> Any:
        if self.connection.in_transaction or not query.lstrip()[:7].upper().startswith(_WRITES):
            return super().execute(query, params)
        with self._locked():
            return super().execute(query, params)

    def executemany(self, query: str, param_list: Any) -> Any:
        if self.connection.in_transaction:
            return super().executemany(query, param_list)
        with self._locked():
            return super().executemany(query, param_list)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        if not self.lock.acquire(timeout=self.timeout):
            raise OperationalError("database is locked (waited for this process's writers)")
        try:
            yield
        finally:
            self.lock.release()


class DatabaseWrapper(base.DatabaseWrapper):
    _holding: threading.Lock | None = None
    _cursor_class: type[_Cursor] | None = None

    def create_cursor(self, name: str | None = None) -> Any:
        if self.is_in_memory_db():
            return super().create_cursor(name)
        if self._cursor_class is None:
            lock, timeout = self._lock_and_timeout()
            self._cursor_class = type("Cursor", (_Cursor,), {"lock": lock, "timeout": timeout})
        return self.connection.cursor(factory=self._cursor_class)

    def _lock_and_timeout(self) -> tuple[threading.Lock, float]:
        lock = writer_lock(str(self.settings_dict["NAME"]))
        return lock, float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))

    def _start_transaction_under_autocommit(self) -> None:
        if self.is_in_memory_db():
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
            return
        lock, timeout = self._lock_and_timeout()
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked (waited for this process's writers)")
        self._holding = lock
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        lock, self._holding = self._holding, None
        if lock is not None:
            lock.release()

    def _ending(self, end: Callable[[], Any]) -> Any:
        """Run `end` (the commit, rollback or close of the parent class), then let the next
        writer in, whatever `end` raised."""
        try:
            return end()
        finally:
            self._release()

    def _commit(self) -> Any:
        return self._ending(super()._commit)  # type: ignore[misc]

    def _rollback(self) -> Any:
        return self._ending(super()._rollback)  # type: ignore[misc]

    def _close(self) -> Any:
        return self._ending(super()._close)  # type: ignore[misc]
