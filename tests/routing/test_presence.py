"""Presence: console sockets, heartbeat, the grace after the last one closes, the stale sweep,
and tickets of offline agents going back to the queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async as db
from django.utils import timezone

from tests.factories.accounts import make_agent, make_team
from tests.factories.routing import set_routing, team_ticket
from tests.realtime.helpers import open_socket, session_cookie
from vigil.accounts import services as presence
from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent, ConsoleSocket
from vigil.core.models import Event
from vigil.routing.assignment import tickets_return_from_offline
from vigil.tickets.models import Ticket, TicketActivity

pytestmark = pytest.mark.usefixtures("fast_hashing")


def _presence(agent: Agent) -> str:
    return Agent.objects.get(pk=agent.pk).presence


def _presence_events(agent: Agent) -> list[dict[str, Any]]:
    rows = Event.objects.filter(type="agent.presence_changed").order_by("seq")
    return [e.payload for e in rows if e.payload["agent_id"] == agent.pk]


@pytest.mark.django_db(transaction=True)
def test_last_console_socket_closing_takes_agent_offline_after_grace(
    settings: Any, run_tasks: Callable[[], int]
) -> None:
    settings.VIGIL_PRESENCE_GRACE_SECONDS = 0
    agent = make_agent(presence=Presence.ONLINE)
    cookie = session_cookie(agent.user)

    async def scenario() -> None:
        first, _ = await open_socket(cookie)
        second, _ = await open_socket(cookie)
        assert await db(ConsoleSocket.objects.filter(agent=agent).count)() == 2
        await first.disconnect()
        await db(run_tasks)()
        assert await db(_presence)(agent) == Presence.ONLINE  # another tab is still open
        await second.disconnect()

    async_to_sync(scenario)()
    assert not ConsoleSocket.objects.filter(agent=agent).exists()
    assert _presence(agent) == Presence.ONLINE  # the grace has not been checked yet
    assert run_tasks() >= 1
    assert _presence(agent) == Presence.OFFLINE
    assert _presence_events(agent)[-1] == {
        "agent_id": agent.pk,
        "presence": "offline",
        "reason": "console closed",
    }


@pytest.mark.django_db(transaction=True)
def test_coming_back_within_the_grace_keeps_agent_online(
    settings: Any, run_tasks: Callable[[], int]
) -> None:
    settings.VIGIL_PRESENCE_GRACE_SECONDS = 0
    agent = make_agent(presence=Presence.ONLINE)
    cookie = session_cookie(agent.user)

    async def scenario() -> None:
        socket, _ = await open_socket(cookie)
        await socket.disconnect()
        socket, _ = await open_socket(cookie)  # a page reload
        await db(run_tasks)()
        assert await db(_presence)(agent) == Presence.ONLINE
        await socket.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_ping_is_a_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(presence, "HEARTBEAT_EVERY", timedelta(0))
    agent = make_agent(presence=Presence.ONLINE)
    cookie = session_cookie(agent.user)
    past = timezone.now() - timedelta(minutes=5)

    async def scenario() -> None:
        socket, _ = await open_socket(cookie)
        await db(lambda: Agent.objects.filter(pk=agent.pk).update(last_seen_at=past))()
        await socket.send_json_to({"type": "ping"})
        assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
        seen = await db(lambda: Agent.objects.get(pk=agent.pk).last_seen_at)()
        assert seen is not None and seen > past
        await socket.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db
def test_sweep_takes_silent_agents_offline_and_forgets_dead_sockets(
    django_capture_on_commit_callbacks: Any,
) -> None:
    silent, alive, away = (make_agent(presence=p) for p in ("online", "online", "away"))
    old = timezone.now() - timedelta(minutes=10)
    Agent.objects.filter(pk__in=[silent.pk, away.pk]).update(last_seen_at=old)
    Agent.objects.filter(pk=alive.pk).update(last_seen_at=timezone.now())
    ConsoleSocket.objects.create(
        agent=silent, channel_name="dead!1", connected_at=old, last_seen_at=old
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sorted(presence.presence_sweep()) == sorted([silent.pk, away.pk])
    assert [_presence(a) for a in (silent, alive, away)] == ["offline", "online", "offline"]
    assert not ConsoleSocket.objects.exists()
    assert presence.presence_sweep() == []  # idempotent
    assert _presence_events(silent)[-1]["reason"] == "no heartbeat"


@pytest.mark.django_db
def test_tickets_of_offline_agents_return_to_queue_after_team_timeout() -> None:
    slow, quick = make_team(), make_team()
    set_routing(quick, return_after_minutes=5)
    gone = make_agent(teams=(slow, quick), presence=Presence.OFFLINE)
    here = make_agent(teams=(slow,))
    Agent.objects.filter(pk=gone.pk).update(
        presence_changed_at=timezone.now() - timedelta(minutes=10)
    )
    stays = team_ticket(slow, assignee=gone)  # default 15 min not reached
    returns = team_ticket(quick, assignee=gone)  # 5 min reached
    pending = team_ticket(quick, assignee=gone, status="pending")  # waits for the customer
    held = team_ticket(quick, assignee=here)
    assert tickets_return_from_offline() == 1
    assigned = dict(Ticket.objects.values_list("pk", "assignee_id"))
    assert assigned[returns.pk] is None
    assert assigned[stays.pk] == gone.pk and assigned[pending.pk] == gone.pk
    assert assigned[held.pk] == here.pk
    row = TicketActivity.objects.get(ticket=returns, kind="assignee")
    assert row.data["to"] is None and "offline for more than 5 min" in row.data["reason"]
    assert tickets_return_from_offline() == 0
    Agent.objects.filter(pk=gone.pk).update(
        presence_changed_at=timezone.now() - timedelta(minutes=16)
    )
    assert tickets_return_from_offline() == 1
    assert Ticket.objects.get(pk=stays.pk).assignee is None
