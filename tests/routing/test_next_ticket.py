"""Pull assignment ("Next ticket"): order, eligibility, capacity, and concurrent claims."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from tests.factories.accounts import make_agent, make_team
from tests.factories.routing import team_ticket
from vigil.accounts.choices import Role
from vigil.accounts.models import Agent
from vigil.core.errors import Conflict
from vigil.routing.assignment_pull import ticket_next
from vigil.tickets.choices import Priority
from vigil.tickets.models import Ticket, TicketActivity

pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.mark.django_db
def test_next_ticket_takes_sla_due_first_then_inbox_order() -> None:
    team = make_team()
    agent = make_agent(teams=(team,), role=Role.TIER1)
    now = timezone.now()
    low_due = team_ticket(team, priority=Priority.LOW, sla_due_at=now + timedelta(minutes=5))
    urgent = team_ticket(team, priority=Priority.URGENT)
    later_due = team_ticket(team, priority=Priority.LOW, sla_due_at=now + timedelta(hours=1))
    normal = team_ticket(team, priority=Priority.NORMAL)
    got = [ticket_next(agent=agent) for _ in range(4)]
    assert [t.pk if t else None for t in got] == [low_due.pk, later_due.pk, urgent.pk, normal.pk]
    assert ticket_next(agent=agent) is None
    activity = TicketActivity.objects.get(ticket=low_due, kind="assignee")
    assert activity.data["reason"] == "next ticket" and activity.actor == agent


@pytest.mark.django_db
def test_next_ticket_only_what_the_agent_sees_and_speaks() -> None:
    mine, other = make_team(), make_team()
    agent = make_agent(teams=(mine,), role=Role.TIER1, languages=("ja",))
    team_ticket(other, language="ja")  # another team's: invisible to a tier-1 agent
    team_ticket(mine, language="en")  # a language the agent does not speak
    team_ticket(mine, language="ja", assignee=make_agent())  # taken
    team_ticket(mine, language="ja", status="pending")  # waiting for the customer
    assert ticket_next(agent=agent) is None
    ok = team_ticket(mine, language="ja")
    Agent.objects.filter(pk=agent.pk).update(categories=["kyc"])
    agent.refresh_from_db()
    assert ticket_next(agent=agent) is None  # category "other" is not theirs
    Ticket.objects.filter(pk=ok.pk).update(category="kyc")
    got = ticket_next(agent=agent)
    assert got is not None and got.pk == ok.pk


@pytest.mark.django_db
def test_next_ticket_refused_at_capacity() -> None:
    team = make_team()
    agent = make_agent(teams=(team,))
    Agent.objects.filter(pk=agent.pk).update(capacity=1)
    agent.refresh_from_db()
    team_ticket(team)
    team_ticket(team)
    assert ticket_next(agent=agent) is not None
    with pytest.raises(Conflict):
        ticket_next(agent=agent)


@pytest.mark.django_db(transaction=True)
def test_twenty_agents_pressing_next_at_once_never_share_a_ticket() -> None:
    team = make_team()
    agents = [make_agent(teams=(team,), role=Role.TIER1) for _ in range(20)]
    tickets = [team_ticket(team, priority=Priority.NORMAL) for _ in range(15)]
    barrier = threading.Barrier(len(agents))
    results: dict[int, int | None] = {}
    errors: list[BaseException] = []

    def press(agent: Agent) -> None:
        try:
            barrier.wait(timeout=30)
            got = ticket_next(agent=agent)
            results[agent.pk] = got.pk if got else None
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=press, args=(a,)) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    claimed = [pk for pk in results.values() if pk is not None]
    assert len(results) == 20
    assert len(claimed) == len(set(claimed)) == 15, connection.vendor  # every ticket, once
    holders = dict(Ticket.objects.filter(pk__in=claimed).values_list("pk", "assignee_id"))
    assert all(holders[pk] == agent_id for agent_id, pk in results.items() if pk is not None)
    assert TicketActivity.objects.filter(kind="assignee", ticket__in=tickets).count() == 15
