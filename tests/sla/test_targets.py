"""Per-ticket SLA targets follow the ticket: opened, answered, paused, resumed, solved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories.accounts import make_agent
from tests.factories.tickets import ingest
from tests.sla.conftest import Clock
from vigil.sla.models import TicketSla
from vigil.sla.services.targets import sla_reply_recorded
from vigil.tickets.choices import Direction, Priority
from vigil.tickets.models import Message, Ticket
from vigil.tickets.services import message_reply, note_add, ticket_update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sla_defaults")]

H = timedelta(hours=1)


def _open(**overrides: object) -> Ticket:
    """A calm, normal-priority ticket (nothing for triage to raise)."""
    values: dict[str, object] = {"subject": "A question", "text": "How do I change my nickname?"}
    values.update(overrides)
    return _fresh(ingest(**values).ticket)


def _targets(ticket: Ticket) -> dict[str, TicketSla]:
    return {
        t.kind: t
        for t in TicketSla.objects.filter(
            ticket=ticket, met_at__isnull=True, cancelled_at__isnull=True
        )
    }


def _fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("customer", "team", "assignee").get(pk=ticket.pk)


def test_new_ticket_gets_first_response_and_resolution(clock: Clock) -> None:
    start = clock.now
    ticket = _open()  # normal priority, API channel: the "any" policy
    targets = _targets(ticket)
    assert set(targets) == {"first_response", "resolution"}
    assert targets["first_response"].due_at == start + 8 * H
    assert targets["first_response"].warn_at == start + 8 * H * 0.8
    assert targets["resolution"].due_at == start + 48 * H
    assert (ticket.sla_due_at, ticket.sla_state) == (start + 8 * H, "ok")


def test_chat_targets_are_minutes(clock: Clock) -> None:
    from vigil.channels.services import channel_account_get_or_create_default

    chat = channel_account_get_or_create_default(kind="chat")
    ticket = _open(account=chat, priority=Priority.URGENT)
    assert ticket.sla_due_at == clock.now + timedelta(minutes=2)


def test_reply_meets_first_response_and_notes_and_bots_do_not(clock: Clock) -> None:
    agent = make_agent()
    ticket = _open()
    clock.advance(minutes=30)
    note_add(ticket=ticket, agent=agent, text="looking")
    bot = Message(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        metadata={"automatic": True},
        created_at=clock.now,
    )
    assert sla_reply_recorded(ticket=ticket, message=bot) == []
    assert "first_response" in _targets(ticket)
    message_reply(ticket=ticket, agent=agent, text="We are on it")
    met = TicketSla.objects.get(ticket=ticket, kind="first_response")
    assert met.met_at == clock.now and met.breached_at is None
    ticket = _fresh(ticket)
    assert ticket.sla_due_at == datetime(2027, 1, 10, 8, tzinfo=UTC)  # resolution, 48 h
    assert ticket.sla_state == "ok"


def test_pending_pauses_and_customer_reply_resumes(clock: Clock) -> None:
    agent = make_agent()
    ticket = _open()
    start = clock.now
    clock.advance(hours=2)
    message_reply(ticket=ticket, agent=agent, text="Which address?", status="pending")
    ticket = _fresh(ticket)
    assert (ticket.sla_due_at, ticket.sla_state) == (None, "paused")
    resolution = TicketSla.objects.get(ticket=ticket, kind="resolution")
    assert resolution.remaining_seconds == 46 * 3600 and resolution.due_at is None
    # Ten hours later the customer answers: the resolution clock resumes with 46 h left and
    # a next-response target starts (8 h).
    clock.advance(hours=10)
    ingest(ticket=ticket, text="bc1q... is the address")
    ticket = _fresh(ticket)
    assert ticket.status == "open"
    targets = _targets(ticket)
    assert targets["resolution"].due_at == start + 58 * H
    assert targets["resolution"].paused_seconds == 10 * 3600
    assert targets["next_response"].due_at == clock.now + 8 * H
    assert (ticket.sla_due_at, ticket.sla_state) == (clock.now + 8 * H, "ok")
    # A second message before an answer does not start another next response.
    clock.advance(minutes=5)
    ingest(ticket=ticket, text="hello?")
    assert TicketSla.objects.filter(ticket=ticket, kind="next_response").count() == 1


def test_solving_meets_resolution_and_cancels_unanswered(clock: Clock) -> None:
    ticket = _open()
    clock.advance(hours=1)
    ticket_update(ticket=ticket, actor=None, status="solved")
    rows = {t.kind: t for t in TicketSla.objects.filter(ticket=ticket)}
    assert rows["resolution"].met_at == clock.now
    assert rows["first_response"].cancelled_at == clock.now
    ticket = _fresh(ticket)
    assert (ticket.sla_due_at, ticket.sla_state) == (None, "")
    # The customer reopens it: a new resolution target and a next response.
    clock.advance(hours=1)
    ingest(ticket=ticket, text="still broken")
    assert set(_targets(_fresh(ticket))) == {"resolution", "next_response"}


def test_priority_change_moves_open_targets(clock: Clock) -> None:
    ticket = _open()
    start = clock.now
    clock.advance(minutes=30)
    ticket_update(ticket=ticket, actor=None, priority=Priority.URGENT)
    targets = _targets(ticket)
    assert targets["first_response"].due_at == start + 1 * H  # urgent: 1 h first response
    assert targets["resolution"].due_at == start + 8 * H
    assert _fresh(ticket).sla_due_at == start + 1 * H


def test_automatic_inbound_mail_starts_nothing(clock: Clock) -> None:
    agent = make_agent()
    ticket = _open()
    message_reply(ticket=ticket, agent=agent, text="Done")
    ingest(ticket=ticket, text="I am out of office", metadata={"automatic": {"reason": "ooo"}})
    assert "next_response" not in _targets(ticket)


def test_reply_that_solves_meets_the_first_response(clock: Clock) -> None:
    agent = make_agent()
    ticket = _open()
    clock.advance(minutes=20)
    message_reply(ticket=ticket, agent=agent, text="Done, see settings", status="solved")
    rows = {t.kind: t for t in TicketSla.objects.filter(ticket=ticket)}
    assert rows["first_response"].met_at == clock.now
    assert rows["first_response"].cancelled_at is None
    assert rows["resolution"].met_at == clock.now
    assert (_fresh(ticket).sla_due_at, _fresh(ticket).sla_state) == (None, "")
