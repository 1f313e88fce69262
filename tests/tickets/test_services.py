"""Ticket services: the status machine, field updates, replies, notes and delivery."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.factories.accounts import make_agent, make_team
from tests.factories.tickets import ingest
from vigil.channels import registry
from vigil.channels.base import ChannelAdapter, DeliveryError, DeliveryReceipt
from vigil.core.errors import InvalidTransition, ValidationFailed
from vigil.core.models import Event
from vigil.tickets.choices import ActivityKind, DeliveryStatus, Direction, Priority, TicketStatus
from vigil.tickets.models import Message, Ticket, TicketActivity
from vigil.tickets.services import (
    message_reply,
    note_add,
    ticket_set_status,
    ticket_update,
    tickets_close_solved,
)
from vigil.tickets.status import ALLOWED_TRANSITIONS

pytestmark = pytest.mark.django_db(transaction=True)

S = TicketStatus


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        ([S.OPEN, S.PENDING, S.OPEN, S.SOLVED, S.CLOSED], True),
        ([S.ON_HOLD, S.SOLVED, S.OPEN], True),
        ([S.SOLVED, S.PENDING], False),
        ([S.SOLVED, S.CLOSED, S.OPEN], False),
        ([S.CLOSED], False),
    ],
)
def test_status_machine(path: list[str], ok: bool) -> None:
    ticket = ingest().ticket
    if ok:
        for status in path:
            ticket_set_status(ticket=ticket, status=status, actor=None)
        assert Ticket.objects.get(pk=ticket.pk).status == path[-1]
        logged = TicketActivity.objects.filter(ticket=ticket, kind=ActivityKind.STATUS)
        assert [a.data["to"] for a in logged] == path
    else:
        with pytest.raises(InvalidTransition):
            for status in path:
                ticket_set_status(ticket=ticket, status=status, actor=None)


def test_transition_table_is_closed_over_known_statuses() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(S.values)
    for targets in ALLOWED_TRANSITIONS.values():
        assert targets <= set(S.values)
    assert ALLOWED_TRANSITIONS[S.CLOSED] == frozenset()


def test_solved_at_is_set_and_cleared() -> None:
    ticket = ingest().ticket
    ticket_set_status(ticket=ticket, status=S.SOLVED, actor=None)
    assert Ticket.objects.get(pk=ticket.pk).solved_at is not None
    ticket_set_status(ticket=ticket, status=S.OPEN, actor=None)
    assert Ticket.objects.get(pk=ticket.pk).solved_at is None


def test_update_writes_one_activity_per_field_and_one_event() -> None:
    team = make_team(name="Asia")
    agent = make_agent(teams=(team,))
    ticket = ingest().ticket
    before = Event.objects.count()
    ticket_update(
        ticket=ticket,
        actor=agent,
        priority=Priority.URGENT,
        category="withdrawal",
        language="zh-CN",
        tags=["VIP", "chain delay", "vip"],
        assignee=agent,
        team=team,
    )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT and ticket.language == "zh-hans"
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["chain-delay", "vip"]
    kinds = set(
        TicketActivity.objects.filter(ticket=ticket, actor=agent).values_list("kind", flat=True)
    )
    assert kinds == {"priority", "category", "language", "tags", "assignee", "team"}
    new_events = list(Event.objects.filter(seq__gt=before).order_by("seq"))
    assert [e.type for e in new_events] == ["ticket.updated"]
    assert new_events[0].team_id == team.pk and new_events[0].agent_id == agent.pk
    assert set(new_events[0].payload["changes"]) == {
        "priority",
        "category",
        "language",
        "tags",
        "assignee",
        "team",
    }


def test_update_with_nothing_new_is_silent() -> None:
    ticket = ingest().ticket
    before = (Event.objects.count(), TicketActivity.objects.count())
    ticket_update(ticket=ticket, actor=None, priority=ticket.priority, tags=[])
    assert (Event.objects.count(), TicketActivity.objects.count()) == before


def test_bad_values_are_refused() -> None:
    ticket = ingest().ticket
    with pytest.raises(ValidationFailed):
        ticket_update(ticket=ticket, actor=None, category="lottery")
    with pytest.raises(ValidationFailed):
        ticket_update(ticket=ticket, actor=None, priority=9)
    with pytest.raises(ValidationFailed):
        ticket_update(ticket=ticket, actor=None, subject="   ")
    with pytest.raises(ValidationFailed):
        ticket_update(ticket=ticket, actor=None, status="archived")


def test_reply_is_delivered_by_the_worker_and_answers_the_ticket(
    run_tasks: Callable[[], int],
) -> None:
    agent = make_agent()
    ticket = ingest().ticket
    reply = message_reply(ticket=ticket, agent=agent, text="We are checking the chain.")
    assert reply.delivery_status == DeliveryStatus.PENDING
    assert run_tasks() >= 1
    reply.refresh_from_db()
    ticket.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert ticket.status == S.OPEN and ticket.assignee_id == agent.pk
    assert ticket.first_response_at is not None and not ticket.awaiting_agent


def test_customer_reply_after_agent_reply_waits_again() -> None:
    agent = make_agent()
    first = ingest(register_thread_keys=["k-wait"])
    message_reply(ticket=first.ticket, agent=agent, text="Please send the TXID", status=S.PENDING)
    again = ingest(thread_keys=["k-wait"], sender_address=first.ticket.customer.email)
    ticket = Ticket.objects.get(pk=again.ticket.pk)
    assert ticket.awaiting_agent and ticket.status == S.OPEN
    assert ticket.waiting_since == again.message.created_at


class _FlakyAdapter(ChannelAdapter):
    kind = "api"
    capabilities = registry.adapter_for("api").capabilities
    outcomes: list[DeliveryError | None] = []

    def deliver(self, *, account: object, message: Message) -> DeliveryReceipt:  # type: ignore[override]
        outcome = self.outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return DeliveryReceipt(external_id="sent-1")


@pytest.fixture
def flaky_adapter(monkeypatch: pytest.MonkeyPatch) -> type[_FlakyAdapter]:
    monkeypatch.setitem(registry._ADAPTERS, "api", _FlakyAdapter())
    return _FlakyAdapter


def test_temporary_failure_is_retried_later_and_permanent_failure_shows(
    flaky_adapter: type[_FlakyAdapter], run_tasks: Callable[[], int]
) -> None:
    from django_tasks_db.models import DBTaskResult

    agent = make_agent()
    ticket = ingest().ticket
    flaky_adapter.outcomes = [DeliveryError("timeout", permanent=False)]
    reply = message_reply(ticket=ticket, agent=agent, text="one")
    run_tasks()
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.PENDING and reply.delivery_attempts == 1
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after is not None  # scheduled with back-off, not run at once

    flaky_adapter.outcomes = [DeliveryError("mailbox does not exist", permanent=True)]
    second = message_reply(ticket=ticket, agent=agent, text="two")
    run_tasks()
    second.refresh_from_db()
    assert second.delivery_status == DeliveryStatus.FAILED
    assert "mailbox does not exist" in second.delivery_error
    assert TicketActivity.objects.filter(ticket=ticket, kind=ActivityKind.DELIVERY).exists()


def test_note_is_internal_and_not_delivered() -> None:
    agent = make_agent()
    ticket = ingest().ticket
    note = note_add(ticket=ticket, agent=agent, text="Customer is VIP, escalate")
    assert note.direction == Direction.NOTE
    assert note.delivery_status == DeliveryStatus.NOT_APPLICABLE
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is None


def test_long_solved_tickets_are_closed() -> None:
    from datetime import timedelta

    from django.utils import timezone

    ticket = ingest().ticket
    ticket_set_status(ticket=ticket, status=S.SOLVED, actor=None)
    Ticket.objects.filter(pk=ticket.pk).update(solved_at=timezone.now() - timedelta(days=5))
    assert tickets_close_solved() == 1
    assert Ticket.objects.get(pk=ticket.pk).status == S.CLOSED
    assert tickets_close_solved() == 0


def test_reply_falls_back_to_a_channel_the_customer_is_known_on() -> None:
    from vigil.channels.models import ChannelAccount

    email_account = ChannelAccount.objects.create(
        kind="email", name="Support", address="support@desk.test"
    )
    webform = ChannelAccount.objects.create(kind="webform", name="Web form", address="site")
    ticket = ingest(account=webform, sender_kind="email", sender_address="w@example.com").ticket
    reply = message_reply(ticket=ticket, agent=make_agent(), text="Answer by mail")
    assert (reply.channel, reply.channel_account_id) == ("email", email_account.pk)
    assert reply.delivery_status == DeliveryStatus.PENDING


def test_reply_to_an_unreachable_customer_is_refused() -> None:
    from vigil.channels.models import ChannelAccount
    from vigil.core.errors import Conflict

    webform = ChannelAccount.objects.create(kind="webform", name="Web form", address="site")
    ticket = ingest(account=webform, sender_kind="chat", sender_address="visitor-1").ticket
    with pytest.raises(Conflict):
        message_reply(ticket=ticket, agent=make_agent(), text="Nobody hears this")
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
