"""Push assignment: least loaded, round robin, sticky, capacity, skills, senior agents."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.factories.accounts import make_agent, make_team
from tests.factories.routing import set_routing, team_ticket
from tests.factories.tickets import api_account, ingest
from tests.routing.chat_helpers import make_chat, make_widget
from vigil.accounts.choices import Presence, Role
from vigil.accounts.models import Agent
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.routing.assignment import ticket_push_assign, tickets_push_waiting
from vigil.routing.assignment_pull import ticket_next
from vigil.routing.choices import Strategy
from vigil.tickets.models import Ticket, TicketActivity

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]


def _capacity(agent: Agent, n: int) -> None:
    Agent.objects.filter(pk=agent.pk).update(capacity=n)


def test_least_loaded_picks_the_agent_with_fewest_open_tickets() -> None:
    team = make_team()
    busy, free = make_agent(teams=(team,)), make_agent(teams=(team,))
    for _ in range(2):
        team_ticket(team, assignee=busy)
    team_ticket(team, assignee=free)
    ticket = team_ticket(team)
    assert ticket_push_assign(ticket=ticket) == free
    ticket.refresh_from_db()
    assert ticket.assignee == free and ticket.assigned_at is not None
    activity = TicketActivity.objects.get(ticket=ticket, kind="assignee")
    assert activity.data["reason"] == "least loaded"


def test_round_robin_cycles_through_online_agents_by_id() -> None:
    team = make_team()
    set_routing(team, strategy=Strategy.ROUND_ROBIN, sticky=False)
    agents = [make_agent(teams=(team,)) for _ in range(3)]
    make_agent(teams=(team,), presence=Presence.OFFLINE)
    got = [ticket_push_assign(ticket=team_ticket(team)) for _ in range(5)]
    assert got == [agents[0], agents[1], agents[2], agents[0], agents[1]]


def test_capacity_is_respected_and_full_team_leaves_ticket_unassigned() -> None:
    team = make_team()
    agent = make_agent(teams=(team,))
    _capacity(agent, 2)
    first, second, third = (team_ticket(team) for _ in range(3))
    assert ticket_push_assign(ticket=first) == agent
    assert ticket_push_assign(ticket=second) == agent
    assert ticket_push_assign(ticket=third) is None
    assert Ticket.objects.get(pk=third.pk).assignee is None
    # A solved ticket frees a place; the periodic push gives the waiting one out.
    Ticket.objects.filter(pk=first.pk).update(status="solved")
    assert tickets_push_waiting() == 1
    assert Ticket.objects.get(pk=third.pk).assignee == agent


def test_sticky_prefers_last_handler_if_online_with_capacity() -> None:
    team = make_team()
    set_routing(team, strategy=Strategy.ROUND_ROBIN)
    first, last = make_agent(teams=(team,)), make_agent(teams=(team,))
    old = team_ticket(team, sender_address="vip@example.com", assignee=last)
    new = team_ticket(team, sender_address="vip@example.com")
    assert new.customer_id == old.customer_id
    assert ticket_push_assign(ticket=new) == last
    reason = TicketActivity.objects.get(ticket=new, kind="assignee").data["reason"]
    assert reason.startswith("sticky")
    # Offline, or full: the strategy decides instead.
    Agent.objects.filter(pk=last.pk).update(presence=Presence.OFFLINE)
    again = team_ticket(team, sender_address="vip@example.com")
    assert ticket_push_assign(ticket=again) == first


def test_skills_language_and_category_and_pull_teams() -> None:
    team = make_team()
    en = make_agent(teams=(team,), languages=("en",))
    zh = make_agent(teams=(team,), languages=("zh-hans",))
    Agent.objects.filter(pk=zh.pk).update(categories=["withdrawal"])
    zh_ticket = team_ticket(team, language="zh-hans", category="withdrawal")
    assert ticket_push_assign(ticket=zh_ticket) == zh
    assert ticket_push_assign(ticket=team_ticket(team, language="zh-hans", category="kyc")) is None
    assert ticket_push_assign(ticket=team_ticket(team, language="en")) == en
    set_routing(team, strategy=Strategy.PULL)
    assert ticket_push_assign(ticket=team_ticket(team, language="en")) is None


def test_distressed_customer_goes_to_senior_agent() -> None:
    team = make_team()
    junior = make_agent(teams=(team,), role=Role.TIER1)
    senior = make_agent(teams=(team,), role=Role.TIER2)
    team_ticket(team, assignee=senior)  # senior is busier: least loaded alone would pick junior
    distressed = team_ticket(team, triage={"route_hint": "senior"})
    assert ticket_push_assign(ticket=distressed) == senior
    assert ticket_push_assign(ticket=team_ticket(team)) == junior


@pytest.mark.django_db(transaction=True)
def test_a_new_ticket_is_pushed_to_an_agent_right_after_its_commit(
    run_tasks: Callable[[], int],
) -> None:
    team = make_team()
    agent = make_agent(teams=(team,))
    account = api_account()
    ChannelAccount.objects.filter(pk=account.pk).update(default_team=team)
    ticket = ingest(account=ChannelAccount.objects.get(pk=account.pk)).ticket
    assert Ticket.objects.get(pk=ticket.pk).assignee is None  # the push is a task after commit
    assert run_tasks() >= 1
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent


def test_a_chat_in_the_live_queue_is_neither_pushed_nor_pulled() -> None:
    team = make_team()
    agent = make_agent(teams=(team,))
    session = make_chat(widget=make_widget())
    Ticket.objects.filter(pk=session.ticket_id).update(team=team, language="en")
    ticket = Ticket.objects.get(pk=session.ticket_id)
    assert ticket_push_assign(ticket=ticket) is None
    assert tickets_push_waiting() == 0
    assert ticket_next(agent=agent) is None
    # The visitor left a message instead: now an ordinary ticket, pushed like any other.
    ChatSession.objects.filter(pk=session.pk).update(state=ChatSession.State.LEFT_MESSAGE)
    assert tickets_push_waiting() == 1
    assert Ticket.objects.get(pk=ticket.pk).assignee == agent
