"""Helpers for the e-mail transport tests: a real SMTP sink on loopback that records what the
desk sends (and can refuse it with a chosen reply), the desk's own listener, mail builders.

Import the fixtures into a test module to use them.
"""

from __future__ import annotations

import asyncio
import smtplib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from vigil.channels.email.accounts import email_account_create
from vigil.channels.email.smtp import SMTPListener
from vigil.channels.models import ChannelAccount

SUPPORT = "support@vigil.test"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class SinkHandler:
    """Records every mail; `refuse` maps a recipient to the reply it gets at RCPT, and
    `data_reply` (when set) is the answer to DATA."""

    mails: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        data = envelope.original_content or b""
        self.mails.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), data))
        return "250 OK queued"


class SinkServer:
    """An aiosmtpd server on a free loopback port, in a thread of its own."""

    def __init__(self) -> None:
        self.handler = SinkHandler()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="smtp-sink", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        def factory() -> SMTP:
            return SMTP(self.handler, enable_SMTPUTF8=True, hostname="sink.test")

        self._server = self._loop.run_until_complete(
            self._loop.create_server(factory, host="127.0.0.1", port=0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(10), "the SMTP sink did not start"

    def stop(self) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            self._loop.stop()

        asyncio.run_coroutine_threadsafe(close(), self._loop)
        self._thread.join(10)

    @property
    def mails(self) -> list[Received]:
        return self.handler.mails


@pytest.fixture
def sink(settings: Any) -> Iterator[SinkServer]:
    """A loopback SMTP server that Django's SMTP backend sends to."""
    server = SinkServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 10},
        }
    }
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def support() -> ChannelAccount:
    account, _ = email_account_create(address=SUPPORT, name="Vigil Support")
    return account


@pytest.fixture
def listener(support: ChannelAccount) -> Iterator[SMTPListener]:
    """The desk's SMTP listener on a free port, waiting at most 1 s for a database lock."""
    smtp = SMTPListener(port=0, workers=4, lock_timeout=1.0, size_limit=2 * 1024 * 1024)
    smtp.start()
    try:
        yield smtp
    finally:
        smtp.stop()


def mail(
    *,
    sender: str = "alice@example.com",
    to: str = SUPPORT,
    subject: str = "Withdrawal stuck",
    body: str = "My BTC withdrawal has been pending for two days.\n",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    cc: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id or make_msgid(domain="example.com")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg


def wire(message: EmailMessage) -> bytes:
    """The message as an MTA sends it: CRLF line ends."""
    return message.as_bytes(policy=policy.SMTP)


def send(
    port: int,
    message: EmailMessage | bytes,
    *,
    sender: str = "alice@example.com",
    to: list[str] | None = None,
    mail_options: tuple[str, ...] = (),
) -> dict[str, tuple[int, bytes]]:
    raw = message if isinstance(message, bytes) else wire(message)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.sendmail(sender, to or [SUPPORT], raw, mail_options=list(mail_options))


def wait_for(predicate: Callable[[], Any], *, timeout: float = 10.0) -> Any:
    """Poll `predicate` until it returns something truthy; bounded."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)
