"""The breach scan: warning, then breach, then escalation; running it again does nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.accounts import make_agent, make_team
from tests.factories.tickets import ingest
from tests.sla.conftest import Clock
from vigil.core.models import Event
from vigil.sla.models import SlaPolicy, TicketSla
from vigil.sla.selectors import sla_cache_clear
from vigil.sla.services.scan import sla_scan
from vigil.tickets.choices import Priority
from vigil.tickets.models import Ticket, TicketActivity
from vigil.tickets.services import message_reply, ticket_update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sla_defaults")]


def _ticket() -> Ticket:
    t = ingest(subject="A question", text="How do I change my nickname?").ticket
    return Ticket.objects.select_related("customer", "team", "assignee").get(pk=t.pk)


def _events(kind: str) -> list[dict[str, Any]]:
    return [e.payload for e in Event.objects.filter(type=kind).order_by("seq")]


def test_warning_then_breach_then_escalation_once(
    clock: Clock, django_capture_on_commit_callbacks: Any
) -> None:
    team, queue = make_team(name="Tier 1"), make_team(name="Escalations")
    holder = make_agent(teams=(team,))
    SlaPolicy.objects.filter(priority=Priority.NORMAL, channel="").update(
        escalate_raise_priority=True, escalate_team=queue
    )
    sla_cache_clear()
    start = clock.now
    ticket = _ticket()
    ticket_update(ticket=ticket, actor=None, team=team, assignee=holder)
    with django_capture_on_commit_callbacks(execute=True):
        clock.advance(minutes=383)  # first response: 480 min, warning at 80 % = 384
        early = sla_scan()
        assert (early.warned, early.breached) == (0, 0)
        clock.advance(minutes=1)
        first = sla_scan()
        again = sla_scan()
    assert (first.warned, first.breached, again.warned, again.breached) == (1, 0, 0, 0)
    ticket.refresh_from_db()
    assert ticket.sla_state == "warning"
    assert ticket.sla_due_at == start + (clock.now - start) * 480 / 384
    warnings = _events("sla.warning")
    assert [w["target"] for w in warnings] == ["first_response"]
    assert warnings[0]["team_id"] == team.pk and warnings[0]["assignee_id"] == holder.pk

    with django_capture_on_commit_callbacks(execute=True):
        clock.advance(minutes=96)  # 480 min: due
        breach = sla_scan()
        twice = sla_scan()
    assert (breach.breached, twice.breached, twice.warned) == (1, 0, 0)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH  # raised one step
    assert ticket.team_id == queue.pk and ticket.assignee_id is None  # to the named team
    assert ticket.sla_state == "breached"
    breaches = _events("sla.breached")
    assert len(breaches) == 1
    assert breaches[0]["actions"] == ["notify", "raise_priority", "reassign_team", "unassign"]
    assert breaches[0]["assignee_id"] == holder.pk  # told: the one who held it
    rows = TicketActivity.objects.filter(ticket=ticket, kind="sla").order_by("id")
    assert [r.data["event"] for r in rows] == ["warning", "breached"]
    # The breached target stays breached when answered late, and the ticket moves on.
    message_reply(ticket=ticket, agent=holder, text="Sorry for the wait")
    target = TicketSla.objects.get(ticket=ticket, kind="first_response")
    assert target.breached_at is not None and target.met_at == clock.now
    ticket.refresh_from_db()
    assert ticket.sla_state == "ok"  # the resolution target, on time
    with django_capture_on_commit_callbacks(execute=True):
        late = sla_scan()
    assert (late.warned, late.breached) == (0, 0)
    assert len(_events("sla.breached")) == 1


def test_paused_targets_are_not_scanned(clock: Clock) -> None:
    agent = make_agent()
    ticket = _ticket()
    message_reply(ticket=ticket, agent=agent, text="Which coin?", status="pending")
    clock.advance(days=30)
    result = sla_scan()
    assert (result.warned, result.breached) == (0, 0)
    ticket.refresh_from_db()
    assert ticket.sla_state == "paused"


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_breach_once(clock: Clock) -> None:
    import threading

    from django.db import close_old_connections

    from vigil.sla.defaults import install_defaults
    from vigil.sla.models import Calendar

    install_defaults(Calendar, SlaPolicy)
    sla_cache_clear()
    tickets = [_ticket() for _ in range(3)]
    clock.advance(hours=9)  # every first response (8 h) is past due
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def scan() -> None:
        try:
            barrier.wait(timeout=10)
            sla_scan()
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    for ticket in tickets:
        breached = TicketSla.objects.filter(ticket=ticket, breached_at__isnull=False)
        assert [t.kind for t in breached] == ["first_response"]
        rows = TicketActivity.objects.filter(ticket=ticket, kind="sla", data__event="breached")
        assert rows.count() == 1
    assert len(_events("sla.breached")) == 3
