"""The ingestion service: customers, threading, idempotency, events after commit."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection
from django.db.models import Model, Value
from django.db.models.functions import Upper
from django.utils import timezone

from tests.factories.tickets import api_account, inbound, ingest
from vigil.core.errors import ValidationFailed
from vigil.core.models import Event
from vigil.customers.models import ChannelIdentity, Customer
from vigil.tickets.choices import Direction, TicketStatus
from vigil.tickets.ingestion import message_ingest
from vigil.tickets.models import Message, Ticket
from vigil.tickets.services import NewAttachment, ticket_set_status

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_message_opens_ticket_for_new_customer() -> None:
    result = ingest(sender_address="Alice@Example.COM", sender_name="Alice", subject="Stuck")
    assert result.ticket_created and not result.duplicate
    ticket = Ticket.objects.get(pk=result.ticket.pk)
    assert ticket.status == TicketStatus.NEW
    assert ticket.subject == "Stuck"
    assert ticket.customer.email == "alice@example.com"
    assert ticket.customer.name == "Alice"
    assert result.message.direction == Direction.INBOUND
    assert ChannelIdentity.objects.filter(kind="email", address="alice@example.com").count() == 1


def test_same_identity_is_one_customer_across_tickets_and_uid_links_channels() -> None:
    first = ingest(sender_address="bob@example.com", customer_uid="UID-77")
    second = ingest(sender_address="bob@example.com")
    by_telegram = ingest(sender_kind="telegram", sender_address="5551234", customer_uid="UID-77")
    assert first.ticket.pk != second.ticket.pk
    assert first.ticket.customer_id == second.ticket.customer_id == by_telegram.ticket.customer_id
    assert Customer.objects.count() == 1


def test_same_external_id_twice_is_stored_once() -> None:
    first = ingest(external_id="msg-1")
    again = message_ingest(
        inbound=inbound(external_id="msg-1", sender_address=first.ticket.customer.email)
    )
    assert again.duplicate and again.message.pk == first.message.pk
    assert Message.objects.filter(external_id="msg-1").count() == 1
    assert Ticket.objects.count() == 1


def test_twenty_concurrent_deliveries_store_one_message() -> None:
    account = api_account()
    payload = inbound(account=account, external_id="burst-1", sender_address="c@example.com")
    barrier = threading.Barrier(20)
    results: list[object] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(message_ingest(inbound=payload))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=deliver) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(results) == 20
    assert Message.objects.filter(external_id="burst-1").count() == 1
    assert Ticket.objects.count() == 1
    assert Customer.objects.count() == 1
    assert sum(1 for r in results if not r.duplicate) == 1  # type: ignore[attr-defined]
    connection.close()


def test_thread_key_threads_reply_and_customer_reply_reopens_solved_ticket() -> None:
    first = ingest(register_thread_keys=["conv-9"], sender_address="d@example.com")
    ticket_set_status(ticket=first.ticket, status=TicketStatus.SOLVED, actor=None)
    reply = ingest(thread_keys=["unknown", "conv-9"], sender_address="d@example.com")
    assert reply.ticket.pk == first.ticket.pk and not reply.ticket_created
    ticket = Ticket.objects.get(pk=first.ticket.pk)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.messages.count() == 2


def test_message_to_closed_ticket_opens_follow_up() -> None:
    first = ingest(register_thread_keys=["conv-closed"])
    ticket_set_status(ticket=first.ticket, status=TicketStatus.SOLVED, actor=None)
    ticket_set_status(ticket=first.ticket, status=TicketStatus.CLOSED, actor=None)
    again = ingest(thread_keys=["conv-closed"], sender_address=first.ticket.customer.email)
    assert again.ticket_created
    assert again.ticket.follow_up_of_id == first.ticket.pk


def test_events_are_published_after_commit_in_order() -> None:
    result = ingest()
    events = list(Event.objects.order_by("seq").values_list("seq", "type", "team_id"))
    assert [e[1] for e in events] == ["ticket.created", "message.added"]
    assert [e[0] for e in events] == [1, 2]
    assert Event.objects.get(type="message.added").payload["ticket_id"] == result.ticket.pk


def test_nothing_is_published_when_the_transaction_rolls_back() -> None:
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        ingest()
        raise RuntimeError("storage failed")
    assert Event.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_attachments_are_stored_sniffed_and_hashed() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    result = ingest(attachments=[NewAttachment(filename="../../evil.exe", content=png)])
    attachment = result.message.attachments.get()
    assert attachment.content_type == "image/png"
    assert attachment.size == len(png)
    assert len(attachment.sha256) == 64
    assert "/" not in attachment.filename
    assert attachment.file.read() == png


def test_oversized_attachment_is_refused(settings: object) -> None:
    settings.VIGIL_MAX_ATTACHMENT_BYTES = 10  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed):
        ingest(attachments=[NewAttachment(filename="big.bin", content=b"x" * 11)])
    assert Message.objects.count() == 0


def test_empty_message_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        ingest(text="", html="")


def test_html_only_message_is_sanitized_and_gets_text() -> None:
    result = ingest(text="", html="<p>Hello<script>alert(1)</script></p><p>TXID abc</p>")
    assert "<script" not in result.message.html
    assert "Hello" in result.message.text and "TXID abc" in result.message.text


def _values(obj: Model, *, skip: tuple[str, ...] = ()) -> dict[str, object]:
    """Every concrete field as read back from the database, with its Python type."""
    fresh = type(obj).objects.get(pk=obj.pk)
    return {
        f.attname: (getattr(fresh, f.attname), type(getattr(fresh, f.attname)))
        for f in type(obj)._meta.concrete_fields
        if f.attname not in ("id", *skip)
    }


def test_hand_built_rows_equal_the_orms() -> None:
    """Ingestion inserts its messages and tickets and updates its tickets with statements
    built once (ingestion._row_insert, core.services.row_update): the rows must be what
    save() writes."""
    from vigil.core.services import row_update
    from vigil.tickets.ingestion import _row_insert

    first = ingest(text="hello", html="<p>hello</p>", metadata={"email": {"to": ["ä@x"]}})
    ticket, message = first.ticket, first.message
    stamp = timezone.now() - timedelta(days=3)
    kwargs = {
        "ticket": ticket,
        "direction": Direction.INBOUND,
        "channel": "email",
        "channel_account": message.channel_account,
        "author_customer": ticket.customer,
        "subject": "Ünïcode ✓",
        "text": "text",
        "full_text": "full",
        "html": "<b>x</b>",
        "raw": "raw/ab/abc.eml",
        "no_ack_reason": "auto_reply",
        "metadata": {"email": {"via": "smtp", "n": [1, 2.5, None, True]}},
        "created_at": stamp,
    }
    by_orm = Message.objects.create(external_id="orm-1", **kwargs)
    by_hand = Message(external_id="hand-1", **kwargs)
    _row_insert(by_hand)
    assert by_hand.pk and not by_hand._state.adding
    assert _values(by_hand, skip=("external_id",)) == _values(by_orm, skip=("external_id",))
    # A value the database computes goes through save() itself.
    shout = {**kwargs, "text": Upper(Value("shout"))}
    computed = Message(external_id="expr-1", **shout)
    _row_insert(computed)
    assert Message.objects.get(pk=computed.pk).text == "SHOUT"
    ticket_kwargs = {
        "subject": "s",
        "customer": ticket.customer,
        "channel": "email",
        "waiting_since": stamp,
        "last_message_at": stamp,
        "awaiting_agent": False,
        "follow_up_of": ticket,
    }
    orm_ticket = Ticket.objects.create(**ticket_kwargs)
    hand_ticket = Ticket(**ticket_kwargs)
    _row_insert(hand_ticket)
    skip = ("created_at", "updated_at")  # auto_now: set by both, at their own moment
    assert _values(hand_ticket, skip=skip) == _values(orm_ticket, skip=skip)
    fresh = Ticket.objects.get(pk=hand_ticket.pk)
    assert fresh.created_at == hand_ticket.created_at and fresh.created_at.tzinfo is not None
    for one in (orm_ticket, hand_ticket):
        one.status, one.awaiting_agent, one.waiting_since = TicketStatus.OPEN, True, stamp
    orm_ticket.save(update_fields=["status", "awaiting_agent", "waiting_since"])
    row_update(hand_ticket, ["status", "awaiting_agent", "waiting_since"])
    assert _values(hand_ticket, skip=skip) == _values(orm_ticket, skip=skip)
    # As with save(update_fields=...), an auto_now field named is stamped, in the row too.
    before = hand_ticket.updated_at
    row_update(hand_ticket, ["subject", "updated_at"])
    assert hand_ticket.updated_at > before
    assert Ticket.objects.get(pk=hand_ticket.pk).updated_at == hand_ticket.updated_at
