# ruff: noqa: F811 - pytest fixtures are imported by name
"""Group commit: the SMTP writer stores the mails that queued up together, in one transaction,
and still answers each sender only after the commit that stored its mail."""

from __future__ import annotations

import smtplib
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import OperationalError

from tests.channels.email.test_smtp import database_locked
from tests.channels.email.transport import (  # noqa: F401 - fixtures
    listener,
    mail,
    send,
    support,
    wait_for,
    wire,
)
from vigil.channels.email.smtp import SMTPListener
from vigil.channels.email.writer import MailWriter
from vigil.channels.models import ChannelAccount
from vigil.core.errors import ValidationFailed
from vigil.core.models import Event
from vigil.tickets.choices import ActivityKind, Direction
from vigil.tickets.models import Message, Ticket, TicketActivity

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def writer() -> Iterator[MailWriter]:
    yield from _running(MailWriter(lock_timeout=1.0))


def _running(started: MailWriter) -> Iterator[MailWriter]:
    started.start()
    try:
        yield started
    finally:
        started.stop()


def _locked_for(seconds: float) -> threading.Thread:
    """Hold the database for `seconds` in another thread, so mails queue up meanwhile."""
    ready = threading.Event()

    def hold() -> None:
        with database_locked():
            ready.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    assert ready.wait(10)
    return thread


def test_concurrent_senders_share_commits_and_each_mail_is_stored_once(
    listener: SMTPListener,
) -> None:
    senders, per_sender = 12, 3
    refused: list[BaseException] = []

    def sender(n: int) -> None:
        try:
            for i in range(per_sender):
                subject = f"Deposit {n}" if i == 0 else f"Re: Deposit {n}"
                headers = {"In-Reply-To": f"<s{n}-{i - 1}@example.com>"} if i else {}
                letter = mail(
                    sender=f"trader{n}@example.com",
                    subject=subject,
                    message_id=f"<s{n}-{i}@example.com>",
                    headers=headers,
                )
                send(listener.port, letter, sender=f"trader{n}@example.com")
        except (smtplib.SMTPException, OSError) as exc:
            refused.append(exc)

    holder = _locked_for(0.4)  # the first mails wait for the lock; the rest queue behind them
    threads = [threading.Thread(target=sender, args=(n,)) for n in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    holder.join(10)
    assert not refused, refused
    inbound = Message.objects.filter(direction=Direction.INBOUND)
    assert inbound.count() == senders * per_sender
    assert inbound.values("external_id").distinct().count() == senders * per_sender
    assert Ticket.objects.count() == senders  # every reply threaded into its conversation
    for ticket in Ticket.objects.all():
        assert ticket.messages.filter(direction=Direction.INBOUND).count() == per_sender
    assert listener.writer.largest_batch > 1
    assert listener.writer.batches < senders * per_sender
    # Every message got its activity row; every ticket its "created" row and acknowledgement.
    kinds = Counter(TicketActivity.objects.values_list("kind", flat=True))
    assert kinds[ActivityKind.CREATED] == senders
    assert kinds[ActivityKind.MESSAGE] == senders * per_sender + senders  # + acknowledgements
    # The events of all batches (the last batch's are stored just after its answers went
    # out): gapless, one per change.
    expected = senders + senders * per_sender + senders
    wait_for(lambda: Event.objects.count() >= expected)
    seqs = sorted(Event.objects.values_list("seq", flat=True))
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    types = Counter(Event.objects.values_list("type", flat=True))
    assert types["ticket.created"] == senders
    assert types["message.added"] == senders * per_sender + senders


@pytest.fixture
def patient_writer() -> Iterator[MailWriter]:
    """A writer that waits long for the lock, so a test can hold the database long enough
    for its mails to queue up even on a loaded machine."""
    yield from _running(MailWriter(lock_timeout=10.0))


def test_a_refused_mail_fails_alone_in_its_batch(
    patient_writer: MailWriter, support: ChannelAccount
) -> None:
    writer = patient_writer
    disabled = ChannelAccount.objects.get(pk=support.pk)
    disabled.is_active = False  # as if switched off while the mail was in flight
    holder = _locked_for(2.0)
    # The writer takes this one alone and waits for the lock with it; meanwhile the three
    # below queue up and go into the next batch together.
    first = writer.submit(raw=wire(mail(message_id="<first@example.com>")), accounts=[support])
    time.sleep(0.3)
    futures = [
        writer.submit(raw=wire(mail(message_id="<ok-1@example.com>")), accounts=[support]),
        writer.submit(raw=wire(mail(message_id="<off@example.com>")), accounts=[disabled]),
        writer.submit(raw=wire(mail(message_id="<ok-2@example.com>")), accounts=[support]),
    ]
    holder.join(10)
    assert futures[0].result(10)[0].message.external_id == "ok-1@example.com"
    with pytest.raises(ValidationFailed):
        futures[1].result(10)
    assert futures[2].result(10)[0].message.external_id == "ok-2@example.com"
    assert first.result(10)[0].message.external_id == "first@example.com"
    assert writer.largest_batch >= 3  # (4 if the writer had not taken the first one alone)
    stored = sorted(str(m.external_id) for m in Message.objects.filter(direction="inbound"))
    assert stored == ["first@example.com", "ok-1@example.com", "ok-2@example.com"]
    # No activity row of the refused mail survived (they are inserted once per batch).
    messages = set(Message.objects.values_list("pk", flat=True))
    logged = [a.data["message_id"] for a in TicketActivity.objects.filter(kind="message")]
    assert sorted(logged) == sorted(messages) and len(logged) == 6  # three mails, three acks


def test_a_database_error_fails_the_whole_batch_and_the_retries_land_once(
    writer: MailWriter, support: ChannelAccount
) -> None:
    letters = [wire(mail(message_id=f"<batch-{n}@example.com>")) for n in range(3)]
    holder = _locked_for(2.0)  # longer than the writer waits for the lock
    futures = [writer.submit(raw=raw, accounts=[support]) for raw in letters]
    for future in futures:
        with pytest.raises(OperationalError):
            future.result(30)
    holder.join(10)
    assert not Message.objects.exists()
    assert not TicketActivity.objects.exists()
    for raw in letters * 2:  # the senders retry, twice
        writer.submit(raw=raw, accounts=[support]).result(30)
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 3
    assert Ticket.objects.count() == 3
    assert TicketActivity.objects.filter(kind=ActivityKind.CREATED).count() == 3


def test_the_same_mail_twice_in_one_batch_is_stored_once(
    writer: MailWriter, support: ChannelAccount
) -> None:
    """A sender that gave up waiting and sent again while its first attempt still queued."""
    letter = wire(mail(message_id="<twice@example.com>"))
    other = wire(mail(message_id="<other@example.com>", sender="bob@example.com"))
    holder = _locked_for(0.3)
    first, again, third = (
        writer.submit(raw=raw, accounts=[support]) for raw in (letter, letter, other)
    )
    holder.join(10)
    (stored,), (duplicate,), (neighbour,) = first.result(10), again.result(10), third.result(10)
    assert writer.largest_batch == 3
    assert not stored.duplicate and duplicate.duplicate
    assert duplicate.message.pk == stored.message.pk
    assert not neighbour.duplicate  # the rolled-back duplicate did not undo its neighbour
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 2
    assert Ticket.objects.count() == 2
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 2  # one ack each
    assert TicketActivity.objects.filter(kind=ActivityKind.CREATED).count() == 2
