# ruff: noqa: F811 - pytest fixtures are imported by name
"""Agent replies leave through the outbox to a real SMTP server on loopback: headers,
threading, attachments, CC; temporary failures are retried, permanent ones shown."""

from __future__ import annotations

import socket
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from tests.channels.email.transport import (  # noqa: F401 - fixtures
    SUPPORT,
    SinkServer,
    mail,
    sink,
    support,
    wire,
)
from tests.factories.accounts import make_agent
from vigil.channels.email.services import email_receive
from vigil.channels.email.threads import is_own_message_id
from vigil.channels.models import ChannelAccount
from vigil.tickets.choices import ActivityKind, DeliveryStatus, Direction
from vigil.tickets.models import Message, ThreadKey, Ticket, TicketActivity
from vigil.tickets.services import NewAttachment, message_deliver, message_reply

pytestmark = pytest.mark.django_db(transaction=True)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def _open(support: ChannelAccount) -> Ticket:
    letter = mail(message_id="<cust-1@example.com>", cc="Bob <bob@corp.example>")
    received = email_receive(account=support, raw=wire(letter))
    return received.ticket


def _sent(sink: SinkServer) -> list[EmailMessage]:
    return [message_from_bytes(m.data, policy=policy.default) for m in sink.mails]


def test_agent_reply_is_a_threaded_mail_with_cc_and_attachment(
    support: ChannelAccount, sink: SinkServer, run_tasks: Callable[[], int]
) -> None:
    ticket = _open(support)
    run_tasks()  # the acknowledgement
    agent = make_agent(display_name="Mei")
    reply = message_reply(
        ticket=ticket,
        agent=agent,
        text="We found your withdrawal; it is on its way.",
        attachments=[NewAttachment(filename="receipt.png", content=PNG)],
    )
    run_tasks()
    ack_mail, reply_mail = _sent(sink)
    assert sorted(sink.mails[1].rcpt_tos) == ["alice@example.com", "bob@corp.example"]
    assert reply_mail["To"] == "alice@example.com"
    assert reply_mail["Cc"] == "bob@corp.example"
    assert reply_mail["From"] == f"Vigil Support <{SUPPORT}>"
    assert reply_mail["Reply-To"] == f"support+{ticket.reference}@vigil.test"
    assert reply_mail["Subject"] == f"Re: Withdrawal stuck [#{ticket.reference}]"
    assert reply_mail["In-Reply-To"] == "<cust-1@example.com>"
    assert reply_mail["References"].split() == ["<cust-1@example.com>", ack_mail["Message-ID"]]
    assert reply_mail["Auto-Submitted"] is None
    message_id = reply_mail["Message-ID"].strip("<>")
    assert is_own_message_id(message_id)
    body = reply_mail.get_body(preferencelist=("plain",))
    assert body is not None and "on its way" in body.get_content()
    (attachment,) = list(reply_mail.iter_attachments())
    assert attachment.get_filename() == "receipt.png"
    assert attachment.get_content() == PNG
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert reply.external_id == message_id
    assert ThreadKey.objects.filter(key=message_id, ticket=ticket).exists()


def test_temporary_failure_is_retried(
    support: ChannelAccount, sink: SinkServer, run_tasks: Callable[[], int], settings: Any
) -> None:
    ticket = _open(support)
    sink.handler.data_reply = "451 4.3.0 Try again later"
    run_tasks()
    ack = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert ack.delivery_status == DeliveryStatus.PENDING
    assert ack.delivery_attempts == 1
    assert "451" in ack.delivery_error
    sink.handler.data_reply = None
    assert message_deliver(message_id=ack.pk) is None  # the back-off's retry
    ack.refresh_from_db()
    assert ack.delivery_status == DeliveryStatus.SENT
    assert len(sink.mails) == 1


def test_unreachable_server_is_a_temporary_failure(
    support: ChannelAccount, run_tasks: Callable[[], int], settings: Any
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port, "timeout": 5},
        }
    }
    ticket = _open(support)
    run_tasks()
    ack = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert ack.delivery_status == DeliveryStatus.PENDING
    assert "unreachable" in ack.delivery_error


def test_permanent_refusal_is_shown_on_the_ticket(
    support: ChannelAccount, sink: SinkServer, run_tasks: Callable[[], int]
) -> None:
    ticket = _open(support)
    sink.handler.refuse["alice@example.com"] = "550 5.1.1 <alice@example.com>: User unknown"
    run_tasks()
    ack = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert ack.delivery_status == DeliveryStatus.FAILED
    assert "550" in ack.delivery_error
    assert TicketActivity.objects.filter(
        ticket=ticket, kind=ActivityKind.DELIVERY, data__status=DeliveryStatus.FAILED
    ).exists()
    assert sink.mails == []
