"""Group commit for the mail the SMTP listener accepts. See docs/architecture.md#e-mail.

The listener hands every mail it received (DATA) to one `MailWriter` thread and answers the
sender when that mail's future resolves. The writer takes whatever has queued meanwhile (at
most `max_batch` mails), prepares each (parse, strip, classify, keep the bytes: no
transaction), then stores them all in ONE transaction, each mail for each of its support
accounts in a savepoint of its own, commits once, and only then resolves the futures. The
activity rows of the batch are inserted with one statement before the commit, its events
with one sequence update after it (and after the answers: the events are the desk's live
view and its resync log, not the mail; the mail is committed). So:

* 250 is said only after the commit that stored the mail, as before;
* under load the commit, the write lock and the events' sequence update are paid once per
  batch instead of once per mail; with one sender a batch is one mail;
* a mail that is refused (a VigilError) or breaks (a bug, a constraint) rolls back its own
  savepoint only: it gets its own answer (554 / 451) and the others are stored;
* a database that is locked, unreachable or times out a lock fails the whole batch before
  anything is committed: every sender in it gets 451 and retries, and a retry is stored once.

The writer owns its database connection (a Django connection belongs to one thread) and
bounds its wait for a lock (`lock_timeout`), so a stuck database turns into a 451 long before
the sender's own timeout.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction

from vigil.channels.email.services import (
    EmailReceived,
    IncomingEmail,
    email_prepare,
    email_store,
)
from vigil.channels.models import ChannelAccount
from vigil.core.services import events_coalesced
from vigil.tickets.services import activities_deferred, activities_undone_on_error

logger = logging.getLogger(__name__)

MAX_BATCH = 64
# Errors of the connection or the lock, not of one mail: the batch is not committed.
BATCH_ERRORS = (OperationalError, InterfaceError)


@dataclass(eq=False)
class _Job:
    raw: bytes
    accounts: tuple[ChannelAccount, ...]
    envelope_sender: str | None
    recipients: tuple[str, ...]
    via: str
    future: Future[list[EmailReceived]] = field(default_factory=Future)
    mail: IncomingEmail | None = None
    results: list[EmailReceived] = field(default_factory=list)
    error: BaseException | None = None


def database_session_prepare(lock_timeout: float) -> None:
    """Bound how long this thread's connection waits for a lock (SQLite busy_timeout,
    PostgreSQL lock_timeout)."""
    connection.ensure_connection()
    millis = int(lock_timeout * 1000)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA busy_timeout = {millis}")
        elif connection.vendor == "postgresql":
            cursor.execute(f"SET lock_timeout = {millis}")


class MailWriter:
    """One thread that stores queued mail in batches; see the module docstring."""

    def __init__(self, *, lock_timeout: float = 30.0, max_batch: int = MAX_BATCH) -> None:
        self.lock_timeout = lock_timeout
        self.max_batch = max(1, max_batch)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._connected = False
        self.batches = 0  # how many transactions it committed or tried (tests, bench)
        self.largest_batch = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="vigil-smtp-writer", daemon=True)
        self._thread.start()

    def submit(
        self,
        *,
        raw: bytes,
        accounts: Sequence[ChannelAccount],
        envelope_sender: str | None = None,
        recipients: Sequence[str] = (),
        via: str = "smtp",
    ) -> Future[list[EmailReceived]]:
        """Queue one mail for its accounts; the future holds one EmailReceived per account
        once the mail is committed, or the exception that kept it from being stored."""
        if self._thread is None or not self._thread.is_alive():
            raise RuntimeError("the mail writer is not running")
        job = _Job(
            raw=raw,
            accounts=tuple(accounts),
            envelope_sender=envelope_sender,
            recipients=tuple(recipients),
            via=via,
        )
        self._queue.put(job)
        return job.future

    def stop(self, timeout: float = 10.0) -> None:
        """Store what is queued, then end the thread (and close its connection)."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            running = True
            while running:
                job = self._queue.get()
                if job is None:
                    break
                batch = [job]
                while len(batch) < self.max_batch:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        running = False
                        break
                    batch.append(more)
                self._write(batch)
        finally:
            with contextlib.suppress(DatabaseError):
                connection.close()

    def _write(self, batch: list[_Job]) -> None:
        ready = [job for job in batch if self._prepare(job)]
        if not ready:
            return
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(ready))
        with events_coalesced():  # the batch's events: stored after the answers went out
            try:
                if not self._connected:
                    database_session_prepare(self.lock_timeout)
                    self._connected = True
                with transaction.atomic(), activities_deferred():
                    for job in ready:
                        self._store(job)
            except Exception as exc:  # nothing of the batch is committed
                if isinstance(exc, DatabaseError):
                    self._reset()
                else:
                    logger.exception("storing a batch of %d mails failed", len(ready))
                for job in ready:
                    job.future.set_exception(exc)
                return
            # Committed: each sender may have its answer now, while the events are stored.
            for job in ready:
                if job.error is not None:
                    job.future.set_exception(job.error)
                else:
                    job.future.set_result(job.results)

    def _prepare(self, job: _Job) -> bool:
        try:
            job.mail = email_prepare(
                raw=job.raw,
                envelope_sender=job.envelope_sender,
                recipients=job.recipients,
                via=job.via,
            )
        except Exception as exc:  # e.g. the disk is full: the sender retries
            logger.exception("preparing a mail failed")
            job.future.set_exception(exc)
            return False
        return True

    def _store(self, job: _Job) -> None:
        assert job.mail is not None
        for account in job.accounts:
            try:
                with activities_undone_on_error():
                    job.results.append(email_store(account=account, mail=job.mail))
            except BATCH_ERRORS:
                raise
            except Exception as exc:  # its savepoint is rolled back; the others go on
                job.error = exc
                return

    def _reset(self) -> None:
        """After a database error: drop the connection so the next batch reconnects."""
        self._connected = False
        with contextlib.suppress(DatabaseError):
            connection.close()
