"""The built-in SMTP listener for the desk's support addresses. See docs/architecture.md#e-mail.

An aiosmtpd server on its own event loop in a background thread of `vigil run`
(`--smtp-port`, default 2525). It advertises SIZE, 8BITMIME and SMTPUTF8 and answers:

* RCPT to an address that is no support account (plus-addresses included): `550 5.1.1`;
* a mail larger than the declared SIZE: `552` (aiosmtpd enforces the limit);
* DATA: `250` only after the mail was committed for every support account it was
  addressed to; `451 4.3.0` when storage failed (database unavailable or locked) so the
  sending server retries, and a retry is stored once (idempotent by Message-ID).

Mail is stored by one writer thread with group commit (writer.py): the mails that arrive
while a transaction is being written are stored together in the next one, and each sender
gets its answer after that commit. Recipient look-ups are answered from the cached support
addresses on the loop; only a miss goes to a small thread pool. Every database thread
bounds how long it waits for a lock (`lock_timeout`), so a stuck database turns into a 451
long before the sender's own timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import DatabaseError, connection

from vigil.channels.email.selectors import email_account_cached, email_account_for_recipient
from vigil.channels.email.writer import MAX_BATCH, MailWriter, database_session_prepare
from vigil.channels.models import ChannelAccount
from vigil.core.errors import VigilError

logger = logging.getLogger(__name__)

DEFAULT_PORT = 2525
TEMPORARY = "451 4.3.0 Temporary failure storing the message, please retry"


def default_size_limit() -> int:
    """Mail size accepted: the attachment limit as base64, plus room for the text."""
    return int(settings.VIGIL_MAX_ATTACHMENT_BYTES * 4 / 3) + 2 * 1024 * 1024


class _DatabaseThreads:
    """A thread pool whose threads hold their own database connection, with a bounded wait
    for locks, and drop it after an error so the next message reconnects."""

    def __init__(self, *, workers: int, lock_timeout: float) -> None:
        self.lock_timeout = lock_timeout
        self._local = threading.local()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vigil-smtp")

    def _prepare(self) -> None:
        if getattr(self._local, "ready", False) and connection.connection is not None:
            return
        database_session_prepare(self.lock_timeout)
        self._local.ready = True

    def _call(self, fn: Any, kwargs: dict[str, Any]) -> Any:
        try:
            self._prepare()
            return fn(**kwargs)
        except DatabaseError:
            self._local.ready = False
            with contextlib.suppress(DatabaseError):
                connection.close()
            raise

    async def run(self, fn: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self._call, fn, kwargs)

    def shutdown(self) -> None:
        """Close every pool thread's connection (a connection belongs to its thread, so
        each thread closes its own: the barrier makes every thread take one task)."""
        workers = self.pool._max_workers
        barrier = threading.Barrier(workers)

        def close() -> None:
            connection.close()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(5)

        for _ in range(workers):
            self.pool.submit(close)
        self.pool.shutdown(wait=True, cancel_futures=False)


class _SMTP(SMTP):
    """aiosmtpd's SMTP session. `_getaddr` is aiosmtpd 1.4's own, minus the typing.Protocol
    class it defines on every call (three quarters of its cost, ~60 µs per MAIL and RCPT):
    the same parsing, the same answers."""

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        if not arg:
            return "", ""
        parse: Any = get_angle_addr if arg.lstrip().startswith("<") else get_addr_spec
        try:
            address, rest = parse(arg)
        except HeaderParseError:
            return None, None
        addr: str = address.addr_spec
        localpart, _, _ = addr.rpartition("@")
        if self.local_part_limit and len(localpart) > self.local_part_limit:
            return None, None
        return addr, rest


class SupportMailHandler:
    """aiosmtpd handler: recipients are support accounts; DATA is stored before 250."""

    def __init__(self, db: _DatabaseThreads, writer: MailWriter) -> None:
        self.db = db
        self.writer = writer

    async def _account(self, address: str) -> ChannelAccount | None:
        cached = email_account_cached(address)
        if cached is not None:
            return cached
        account: ChannelAccount | None = await self.db.run(
            email_account_for_recipient, address=address
        )
        return account

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            account = await self._account(address)
        except Exception:
            logger.exception("looking up recipient %s failed", address)
            return "451 4.3.0 Temporary failure looking up the recipient"
        if account is None:
            return f"550 5.1.1 <{address}>: no such support address here"
        accounts: dict[int, ChannelAccount] = getattr(envelope, "vigil_accounts", {})
        accounts.setdefault(account.pk, account)
        envelope.vigil_accounts = accounts  # type: ignore[attr-defined]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        accounts: dict[int, ChannelAccount] = getattr(envelope, "vigil_accounts", {})
        if not accounts:
            return "503 5.5.1 No valid recipients"
        try:
            stored = await asyncio.wrap_future(
                self.writer.submit(
                    raw=raw,
                    accounts=list(accounts.values()),
                    envelope_sender=envelope.mail_from,
                    recipients=list(envelope.rcpt_tos),
                    via="smtp",
                )
            )
        except DatabaseError as exc:
            logger.warning("storing mail failed, answering 451: %s", exc)
            return TEMPORARY
        except VigilError as exc:
            logger.warning("mail refused: %s", exc.message)
            return f"554 5.6.0 Message refused: {exc.message}"[:500]
        except Exception:
            logger.exception("storing mail failed, answering 451")
            return TEMPORARY
        ids = [f"{received.ticket.reference}/{received.message.pk}" for received in stored]
        return f"250 2.0.0 OK stored {' '.join(ids)}"[:500]


class SMTPListener:
    """The listener as a background service of `vigil run`: start() binds and serves on a
    thread of its own, stop() closes the server and waits for work in flight."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        size_limit: int | None = None,
        workers: int = 2,
        lock_timeout: float = 30.0,
        max_batch: int = MAX_BATCH,
        hostname: str | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.size_limit = size_limit or default_size_limit()
        self.hostname = hostname or socket.gethostname()
        self.db = _DatabaseThreads(workers=workers, lock_timeout=lock_timeout)
        self.writer = MailWriter(lock_timeout=lock_timeout, max_batch=max_batch)
        self.handler = SupportMailHandler(self.db, self.writer)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.port = port

    def _factory(self) -> SMTP:
        return _SMTP(
            self.handler,
            data_size_limit=self.size_limit,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self.hostname,
            ident="Vigil ESMTP",
            timeout=300,
        )

    def start(self) -> None:
        sock = socket.create_server((self.host, self.requested_port), reuse_port=False)
        self.port = sock.getsockname()[1]
        self.writer.start()
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name="vigil-smtp-listener", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the SMTP listener did not start within 10 s")
        if self._error is not None:
            raise RuntimeError(f"the SMTP listener failed to start: {self._error}")
        logger.info("SMTP listener on %s:%s", self.host, self.port)

    def _serve(self, sock: socket.socket) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(loop.create_server(self._factory, sock=sock))
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self, timeout: float = 5.0) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or loop.is_closed():
            return

        async def close() -> None:
            server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), timeout)
            loop.stop()

        asyncio.run_coroutine_threadsafe(close(), loop)
        if self._thread is not None:
            self._thread.join(timeout + 1)
        self.writer.stop(timeout)
        self.db.shutdown()
