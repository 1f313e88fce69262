# ruff: noqa: F811, RUF001 - pytest fixtures are imported by name; CJK punctuation in mail
"""Threading, auto-replies, bounces and the acknowledgement cap, end to end: mail goes in
through the real SMTP listener, the desk's mail goes out to a real SMTP sink."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.channels.email.transport import (  # noqa: F401 - fixtures
    SUPPORT,
    SinkServer,
    listener,
    mail,
    send,
    sink,
    support,
    wire,
)
from tests.factories.accounts import make_agent, make_team
from vigil.accounts.choices import Role
from vigil.accounts.services import api_token_create
from vigil.channels.email.acknowledgements import ACK_CAP_PER_HOUR
from vigil.channels.email.parsing import message_ids
from vigil.channels.email.selectors import ticket_by_thread_keys
from vigil.channels.email.services import email_receive
from vigil.channels.email.smtp import SMTPListener
from vigil.channels.models import ChannelAccount
from vigil.tickets.choices import ActivityKind, DeliveryStatus, Direction
from vigil.tickets.models import Message, Ticket, TicketActivity, TicketParticipant
from vigil.tickets.services import ticket_update

pytestmark = pytest.mark.django_db(transaction=True)


def _inbound(external_id: str) -> Message:
    return Message.objects.select_related("ticket").get(
        direction=Direction.INBOUND, external_id=external_id
    )


def _delivered(sink: SinkServer, run_tasks: Callable[[], int]) -> list[EmailMessage]:
    run_tasks()
    return [message_from_bytes(m.data, policy=policy.default) for m in sink.mails]


@pytest.fixture
def opened(
    listener: SMTPListener, sink: SinkServer, run_tasks: Callable[[], int]
) -> tuple[Ticket, EmailMessage]:
    """Alice opens a ticket; the acknowledgement reaches her (through the sink)."""
    send(listener.port, mail(message_id="<open-1@example.com>", cc="Bob <bob@corp.example>"))
    ticket = _inbound("open-1@example.com").ticket
    (ack,) = _delivered(sink, run_tasks)
    return ticket, ack


def test_acknowledgement_reaches_the_customer_as_an_automatic_reply(
    opened: tuple[Ticket, EmailMessage], sink: SinkServer
) -> None:
    ticket, ack = opened
    assert sink.mails[0].rcpt_tos == ["alice@example.com"]  # an ack is not sent to the Cc
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<open-1@example.com>"
    assert f"[#{ticket.reference}]" in ack["Subject"]
    assert ack["Reply-To"] == f"support+{ticket.reference}@vigil.test"
    stored = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert stored.delivery_status == DeliveryStatus.SENT
    assert f"<{stored.external_id}>" == ack["Message-ID"]


def test_reply_to_the_desk_threads_by_in_reply_to(
    opened: tuple[Ticket, EmailMessage], listener: SMTPListener
) -> None:
    ticket, ack = opened
    reply = mail(
        subject="Re: something else entirely",
        message_id="<reply-1@example.com>",
        headers={"In-Reply-To": ack["Message-ID"], "References": ack["Message-ID"]},
        body="Here is the transaction hash: 0xabc\n\nOn Mon, Support wrote:\n> We received it\n",
    )
    send(listener.port, reply)
    message = _inbound("reply-1@example.com")
    assert message.ticket_id == ticket.pk
    assert message.text == "Here is the transaction hash: 0xabc"
    assert "We received it" in message.full_text
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1  # no second ack


def test_reply_threads_by_a_message_id_the_desk_received(
    opened: tuple[Ticket, EmailMessage], listener: SMTPListener
) -> None:
    ticket, _ = opened
    send(
        listener.port,
        mail(message_id="<again@example.com>", headers={"References": "<open-1@example.com>"}),
    )
    assert _inbound("again@example.com").ticket_id == ticket.pk


def test_client_that_drops_in_reply_to_still_lands_by_subject_token(
    opened: tuple[Ticket, EmailMessage], listener: SMTPListener
) -> None:
    ticket, _ = opened
    send(
        listener.port,
        mail(subject=f"Re: [#{ticket.reference}] more", message_id="<tok@example.com>"),
    )
    assert _inbound("tok@example.com").ticket_id == ticket.pk


def test_plus_addressed_reply_lands_in_its_ticket(
    opened: tuple[Ticket, EmailMessage], listener: SMTPListener
) -> None:
    ticket, _ = opened
    to = f"support+{ticket.reference}@vigil.test"
    send(listener.port, mail(to=to, subject="no token", message_id="<plus-1@example.com>"), to=[to])
    assert _inbound("plus-1@example.com").ticket_id == ticket.pk


def test_a_stranger_quoting_the_token_gets_a_ticket_of_their_own(
    opened: tuple[Ticket, EmailMessage], listener: SMTPListener
) -> None:
    ticket, _ = opened
    letter = mail(
        sender="mallory@evil.example",
        subject=f"Re: [#{ticket.reference}] send me the funds",
        message_id="<stranger@evil.example>",
    )
    to = f"support+{ticket.reference}@vigil.test"
    send(listener.port, letter, sender="mallory@evil.example", to=[to])
    message = _inbound("stranger@evil.example")
    assert message.ticket_id != ticket.pk
    assert message.ticket.customer.email == "mallory@evil.example"


def test_cc_participant_may_use_the_token_and_gets_replies(
    opened: tuple[Ticket, EmailMessage], listener: SMTPListener
) -> None:
    ticket, _ = opened
    assert list(
        TicketParticipant.objects.filter(ticket=ticket).values_list("address", flat=True)
    ) == ["bob@corp.example"]
    letter = mail(
        sender="bob@corp.example",
        subject=f"[#{ticket.reference}]",
        message_id="<bob-1@corp.example>",
    )
    send(listener.port, letter, sender="bob@corp.example")
    assert _inbound("bob-1@corp.example").ticket_id == ticket.pk


def test_out_of_office_reply_gets_no_acknowledgement(
    opened: tuple[Ticket, EmailMessage], listener: SMTPListener
) -> None:
    ticket, ack = opened
    ooo = mail(
        subject="Automatic reply: We received your request",
        message_id="<ooo-1@example.com>",
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": ack["Message-ID"]},
        body="I am out of the office until Monday.\n",
    )
    send(listener.port, ooo)
    message = _inbound("ooo-1@example.com")
    assert message.ticket_id == ticket.pk
    assert message.no_ack_reason == "auto_reply"
    # A new conversation that is an out-of-office (Chinese, headers silent) gets none either.
    cn = mail(
        sender="wang@example.cn",
        subject="自动回复：休假中",
        message_id="<ooo-2@example.cn>",
        body="您好，我正在休假，将于下周一回来，期间不方便回复邮件。\n",
    )
    send(listener.port, cn, sender="wang@example.cn")
    second = _inbound("ooo-2@example.cn")
    assert second.no_ack_reason == "auto_reply"
    assert not Message.objects.filter(ticket=second.ticket, direction=Direction.OUTBOUND).exists()


def _bounce(ack: EmailMessage) -> bytes:
    """A Postfix-style delivery status notification (RFC 3464) for the desk's mail `ack`."""
    text = f"""From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: {SUPPORT}
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example.com>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"

--BOUNDARY
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

<alice@example.com>: host mx.example.com said: 550 5.1.1 User unknown

--BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; alice@example.com
Action: failed
Status: 5.1.1

--BOUNDARY
Content-Type: message/rfc822

From: {ack["From"]}
To: {ack["To"]}
Subject: {ack["Subject"]}
Message-ID: {ack["Message-ID"]}

We received your request
--BOUNDARY--
"""
    return text.replace("\n", "\r\n").encode()


def test_bounce_marks_the_desks_mail_failed_and_gets_no_acknowledgement(
    opened: tuple[Ticket, EmailMessage], listener: SMTPListener
) -> None:
    ticket, ack = opened
    send(listener.port, _bounce(ack), sender="")
    bounce = _inbound("bounce-1@mx.example.com")
    assert bounce.no_ack_reason == "bounce"
    assert bounce.ticket_id == ticket.pk
    outbound = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert outbound.delivery_status == DeliveryStatus.FAILED
    assert outbound.delivery_error.startswith("bounced")
    assert TicketActivity.objects.filter(
        ticket=ticket, kind=ActivityKind.DELIVERY, data__status=DeliveryStatus.FAILED
    ).exists()
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1


def test_our_own_mail_coming_back_gets_no_acknowledgement(listener: SMTPListener) -> None:
    looped = mail(sender=SUPPORT, message_id="<loop@vigil.test>")
    send(listener.port, looped, sender=SUPPORT)
    assert _inbound("loop@vigil.test").no_ack_reason == "loop"
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


def test_list_mail_gets_no_acknowledgement(listener: SMTPListener) -> None:
    letter = mail(
        message_id="<list@lists.example>",
        headers={"List-Id": "<traders.lists.example>", "Precedence": "list"},
    )
    send(listener.port, letter)
    assert _inbound("list@lists.example").no_ack_reason == "list"


def test_acknowledgements_to_one_address_are_capped(listener: SMTPListener) -> None:
    for n in range(ACK_CAP_PER_HOUR + 2):
        send(listener.port, mail(subject=f"Question {n}", message_id=f"<cap-{n}@example.com>"))
    acks = Message.objects.filter(direction=Direction.OUTBOUND)
    assert acks.count() == ACK_CAP_PER_HOUR
    assert _inbound(f"cap-{ACK_CAP_PER_HOUR}@example.com").no_ack_reason == "rate_limited"
    assert _inbound(f"cap-{ACK_CAP_PER_HOUR + 1}@example.com").no_ack_reason == "rate_limited"
    assert _inbound("cap-0@example.com").no_ack_reason == ""


def test_api_finds_a_mail_by_message_id_with_its_email_fields(
    opened: tuple[Ticket, EmailMessage], listener: SMTPListener
) -> None:
    ticket, ack = opened
    reply = mail(
        subject="=?UTF-8?B?5o+Q5biB?= still pending",
        message_id="<api-1@example.com>",
        headers={"In-Reply-To": ack["Message-ID"], "Auto-Submitted": "auto-replied"},
        body="New details here.\n\n> quoted earlier text\n",
    )
    send(listener.port, reply)
    agent = make_agent(role=Role.SUPERVISOR)
    _, token = api_token_create(agent=agent, name="test")
    client = Client()
    for given in ("<api-1@example.com>", "api-1@example.com"):
        response = client.get(
            "/api/v1/messages", {"external_id": given}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.content
        (item,) = response.json()["items"]
        assert item["ticket"] == ticket.pk
        assert item["direction"] == "inbound"
        assert item["subject"] == "提币 still pending"
        assert item["text"] == "New details here."
        assert "quoted earlier text" in item["full_text"]
        assert item["no_ack_reason"] == "auto_reply"
    first = client.get(
        "/api/v1/messages",
        {"external_id": "open-1@example.com"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["items"][0]
    assert first["no_ack_reason"] is None


def _utf8_mail(message_id: str, *, subject: str, in_reply_to: str | None = None) -> bytes:
    head = (
        f"From: 李雷 <li@example.cn>\r\nTo: support@vigil.test\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
    )
    if in_reply_to:
        head += f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n"
    body = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    return (head + body + "我的提币还没到账，请帮忙查一下。\r\n").encode()


def test_utf8_message_ids_are_kept_apart_and_thread(
    listener: SMTPListener, sink: SinkServer, run_tasks: Callable[[], int]
) -> None:
    """Two mails whose Message-IDs differ only in Chinese characters are two mails (they
    used to collapse to one "??@??" id and the second was dropped as a duplicate), and a
    reply naming one of them lands in its ticket."""
    options = ("SMTPUTF8", "BODY=8BITMIME")
    send(listener.port, _utf8_mail("<提币@例子.测试>", subject="提币"), mail_options=options)
    send(listener.port, _utf8_mail("<充值@例子.测试>", subject="充值"), mail_options=options)
    stored = Message.objects.filter(direction=Direction.INBOUND).order_by("id")
    assert [m.ticket.subject for m in stored] == ["提币", "充值"]
    assert all(str(m.external_id).isascii() for m in stored)
    reply = _utf8_mail("<回复@例子.测试>", subject="Re: 充值", in_reply_to="<充值@例子.测试>")
    send(listener.port, reply, mail_options=options)
    assert _inbound(message_ids("<回复@例子.测试>")[0]).ticket_id == stored[1].ticket_id
    acks = _delivered(sink, run_tasks)  # the desk's replies name the ids in plain ASCII
    assert sorted(str(a["In-Reply-To"]) for a in acks) == sorted(
        f"<{m.external_id}>" for m in stored
    )


def test_thread_look_up_builds_the_same_ticket_as_the_orm(support: ChannelAccount) -> None:
    """`ticket_by_thread_keys` writes its one statement by hand (it runs for every reply):
    what it builds must equal the ORM's select_related, field by field and relation by
    relation, with the ORM's conversions (aware datetimes, booleans, JSON)."""
    team = make_team(name="Chinese desk", languages=("zh-hans", "en"))
    agent = make_agent(role=Role.TIER2)
    agent.languages = ["zh-hans", "ja"]
    agent.save(update_fields=["languages"])
    letter = mail(message_id="<loader-1@example.com>", sender="Wang Wei <wang@example.cn>")
    ticket = email_receive(account=support, raw=wire(letter)).ticket
    ticket_update(ticket=ticket, actor=None, team=team, assignee=agent, status="pending")
    found = ticket_by_thread_keys(account=support, keys=["unknown@x", "loader-1@example.com"])
    orm = Ticket.objects.select_related("customer", "team", "assignee").get(pk=ticket.pk)
    assert found is not None
    for obj, expected in [
        (found, orm),
        (found.customer, orm.customer),
        (found.team, orm.team),
        (found.assignee, orm.assignee),
    ]:
        assert type(obj) is type(expected)
        for field in type(expected)._meta.concrete_fields:
            got, want = getattr(obj, field.attname), getattr(expected, field.attname)
            assert got == want and type(got) is type(want), field.name
    assert found.awaiting_agent is True and found.waiting_since.tzinfo is not None
    assert found.assignee is not None and found.assignee.languages == ["zh-hans", "ja"]
    with CaptureQueriesContext(connection) as queries:  # relations are loaded, not fetched
        names = (found.customer.email, found.team.name, found.assignee.display_name)
        assert names == ("wang@example.cn", "Chinese desk", agent.display_name)
    assert len(queries) == 0
    assert ticket_by_thread_keys(account=support, keys=["unknown@x"]) is None
