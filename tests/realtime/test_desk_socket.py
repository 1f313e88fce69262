"""The desk socket through vigil.asgi's real stack (origin check, session auth, routing)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.factories.accounts import make_agent, make_team
from tests.factories.tickets import ingest
from tests.realtime.helpers import (
    desk_socket,
    events,
    frames_until,
    open_socket,
    quiet,
    raw_send,
    seqs,
    session_cookie,
)
from vigil.accounts.choices import Role
from vigil.core.events import DESK_STREAM
from vigil.core.models import Event
from vigil.core.selectors import stream_last_seq
from vigil.core.services import (
    event_broadcast,
    event_message,
    event_store,
    events_prune,
    stream_group,
)
from vigil.realtime.consumers import DeskConsumer
from vigil.tickets.services import ticket_update

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def last_seq() -> int:
    return stream_last_seq(stream=DESK_STREAM)


def test_live_event_reaches_agent() -> None:
    cookie = session_cookie(make_agent().user)
    before = last_seq()

    async def scenario() -> None:
        socket, frames = await open_socket(cookie)
        assert frames == [{"type": "ready", "seq": before}]
        result = await db(ingest)(subject="Deposit missing")
        got = await events(socket, 2)
        assert seqs(got) == [before + 1, before + 2]
        assert [f["event"] for f in got] == ["ticket.created", "message.added"]
        assert got[0]["payload"]["ticket_id"] == result.ticket.pk
        assert got[0]["payload"]["ticket"]["subject"] == "Deposit missing"
        assert got[0]["at"].startswith(str(timezone.now().year))
        assert await quiet(socket)
        await socket.disconnect()

    run(scenario)


def test_reconnect_gets_exactly_what_was_missed_in_order_once() -> None:
    cookie = session_cookie(make_agent().user)

    async def scenario() -> None:
        socket, _ = await open_socket(cookie)
        await db(ingest)()
        seen = seqs(await events(socket, 2))
        await socket.disconnect()

        missed = [await db(ingest)() for _ in range(3)]  # 6 events while away
        await db(ticket_update)(ticket=missed[0].ticket, actor=None, priority=3)

        socket, frames = await open_socket(cookie, since=seen[-1])
        expected = list(range(seen[-1] + 1, seen[-1] + 8))
        assert seqs(frames) == expected
        assert frames[-1] == {"type": "ready", "seq": expected[-1]}
        assert [f["event"] for f in frames[:2]] == ["ticket.created", "message.added"]
        assert frames[-2]["event"] == "ticket.updated"
        # Live again afterwards, and nothing from the backlog comes twice.
        await db(ingest)()
        assert seqs(await events(socket, 2)) == [expected[-1] + 1, expected[-1] + 2]
        assert await quiet(socket)
        await socket.disconnect()

    run(scenario)


def test_live_events_held_before_hello_are_not_sent_twice() -> None:
    cookie = session_cookie(make_agent().user)
    before = last_seq()

    async def scenario() -> None:
        socket = desk_socket(cookie)
        assert (await socket.connect(timeout=5))[0]
        await db(ingest)()  # broadcast while the socket has joined but not said hello
        await db(ingest)()
        await socket.send_json_to({"type": "hello", "since": before})
        frames = await frames_until(socket, {"ready"})
        assert seqs(frames) == [before + 1, before + 2, before + 3, before + 4]
        assert frames[-1]["seq"] == before + 4
        assert await quiet(socket)
        await socket.disconnect()

    run(scenario)


def _store(team_id: int | None = None, agent_id: int | None = None) -> Event:
    return event_store(
        stream=DESK_STREAM,
        type="ticket.updated",
        payload={"ticket_id": 0, "changes": {}},
        team_id=team_id,
        agent_id=agent_id,
    )


def _broadcast(event: Event) -> None:
    event_broadcast(event=event, stream=DESK_STREAM)


def test_gap_in_live_stream_is_filled_from_the_log_and_duplicates_dropped() -> None:
    cookie = session_cookie(make_agent().user)

    async def scenario() -> None:
        socket, frames = await open_socket(cookie)
        start = frames[-1]["seq"]
        lost = await db(_store)()  # stored, broadcast lost
        later = await db(_store)()
        await db(_broadcast)(later)  # arrives with a gap: the lost one is read from the log
        assert seqs(await events(socket, 2)) == [lost.seq, later.seq] == [start + 1, start + 2]
        await db(_broadcast)(lost)  # late, out of order: already sent
        await db(_broadcast)(later)  # twice
        assert await quiet(socket)
        # A message ahead of the log (e.g. from a stray publisher) is not trusted.
        forged = {"type": "stream.event", **event_message(later, DESK_STREAM)}
        forged.update(seq=start + 50, type="stream.event", event="ticket.updated")
        await get_channel_layer().group_send(stream_group(DESK_STREAM), forged)
        assert await quiet(socket)
        await db(ingest)()
        assert seqs(await events(socket, 2)) == [start + 3, start + 4]
        await socket.disconnect()

    run(scenario)


def test_live_messages_in_either_wire_form_are_delivered() -> None:
    """event_broadcast names the event in "type"; a "stream.event" message names it in
    "event". The socket reads both."""
    cookie = session_cookie(make_agent().user)

    async def scenario() -> None:
        socket, _ = await open_socket(cookie)
        first = await db(_store)()
        message = {**event_message(first, DESK_STREAM), "type": "stream.event", "event": first.type}
        await get_channel_layer().group_send(stream_group(DESK_STREAM), message)
        second = await db(_store)()
        await db(_broadcast)(second)
        got = await events(socket, 2)
        assert [(f["seq"], f["event"]) for f in got] == [
            (first.seq, "ticket.updated"),
            (second.seq, "ticket.updated"),
        ]
        assert got[0]["payload"] == {"ticket_id": 0, "changes": {}}
        await socket.disconnect()

    run(scenario)


def test_agent_hears_only_what_they_may_see() -> None:
    team_a, team_b = make_team(name="Alpha"), make_team(name="Bravo")
    member_a = make_agent(teams=(team_a,))
    member_b = make_agent(teams=(team_b,))
    supervisor = make_agent(role=Role.SUPERVISOR)
    cookies = {
        n: session_cookie(a.user) for n, a in (("a", member_a), ("b", member_b), ("s", supervisor))
    }
    ticket = ingest().ticket
    start = last_seq()

    async def scenario() -> None:
        sockets = {n: (await open_socket(c))[0] for n, c in cookies.items()}
        await db(ticket_update)(ticket=ticket, actor=None, team=team_a)  # team A's event
        for n in ("a", "s"):
            got = await events(sockets[n], 1)
            assert got[0]["seq"] == start + 1 and got[0]["event"] == "ticket.updated"
        assert await quiet(sockets["b"])
        # Assigned to B: B hears it although the ticket stays in team A.
        await db(ticket_update)(ticket=ticket, actor=None, assignee=member_b)
        for n in ("a", "b", "s"):
            assert seqs(await events(sockets[n], 1)) == [start + 2]
        # Another team's event that names nobody B knows.
        await db(lambda: _broadcast(_store(team_id=team_a.pk)))()
        for n in ("a", "s"):
            assert seqs(await events(sockets[n], 1)) == [start + 3]
        assert await quiet(sockets["b"])
        for socket in sockets.values():
            await socket.disconnect()
        # The backlog is filtered the same way.
        socket, frames = await open_socket(cookies["b"], since=start)
        assert seqs(frames) == [start + 2] and frames[-1] == {"type": "ready", "seq": start + 3}
        await socket.disconnect()

    run(scenario)


def test_reset_when_the_client_is_pruned_ahead_or_too_far_behind(monkeypatch: Any) -> None:
    cookie = session_cookie(make_agent().user)
    for _ in range(3):
        ingest()  # 6 events
    last = last_seq()
    Event.objects.filter(seq__lte=last - 2).update(created_at=timezone.now() - timedelta(days=8))
    assert events_prune() == last - 2

    async def scenario() -> None:
        for since in (0, last - 3, last + 1, last + 500):
            socket, frames = await open_socket(cookie, since=since)
            assert frames == [{"type": "reset", "seq": last}], since
            await socket.disconnect()
        socket, frames = await open_socket(cookie, since=last - 2)  # the oldest kept is last-1
        assert seqs(frames) == [last - 1, last] and frames[-1]["type"] == "ready"
        await socket.disconnect()
        monkeypatch.setattr("vigil.realtime.selectors.MAX_BACKLOG", 1)
        socket, frames = await open_socket(cookie, since=last - 2)
        assert frames == [{"type": "reset", "seq": last}]
        # Live after a reset.
        await db(ingest)()
        assert seqs(await events(socket, 2)) == [last + 1, last + 2]
        await socket.disconnect()

    run(scenario)


def test_bad_frames_get_error_frames_and_the_socket_lives_on() -> None:
    cookie = session_cookie(make_agent().user)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"text": "not json"}, "bad_json"),
        ({"text": "[1, 2]"}, "bad_frame"),
        ({"text": '{"type": 5}'}, "bad_frame"),
        ({"text": '{"type": "subscribe"}'}, "unknown_type"),
        ({"text": '{"type": "hello", "since": "7"}'}, "bad_since"),
        ({"text": '{"type": "hello", "since": -1}'}, "bad_since"),
        ({"text": '{"type": "hello", "since": true}'}, "bad_since"),
        ({"text": '{"type": "hello", "since": 1.5}'}, "bad_since"),
        ({"text": '{"type": "ping", "pad": "' + "x" * 5000 + '"}'}, "frame_too_large"),
        ({"data": b"\x00\x01"}, "binary_frame"),
    ]

    async def scenario() -> None:
        socket = desk_socket(cookie)
        assert (await socket.connect(timeout=5))[0]
        for frame, code in cases:
            await raw_send(socket, frame.get("text"), frame.get("data"))
            reply = await socket.receive_json_from(timeout=5)
            assert reply["type"] == "error" and reply["code"] == code, (frame, reply)
            assert reply["message"]
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from() == {"type": "pong"}
        await socket.send_json_to({"type": "hello", "since": None})
        assert (await socket.receive_json_from())["type"] == "ready"
        await socket.send_json_to({"type": "hello", "since": None})
        assert (await socket.receive_json_from())["code"] == "already_started"
        await db(ingest)()
        assert len(await events(socket, 2)) == 2
        await socket.disconnect()

    run(scenario)


def test_anonymous_and_non_agents_are_refused_and_foreign_origins_rejected() -> None:
    plain_user = get_user_model().objects.create_user(username="visitor", password="x" * 12)
    agent_cookie = session_cookie(make_agent().user)

    async def refused(cookie: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
        socket = desk_socket(cookie)
        assert (await socket.connect(timeout=5))[0]
        error = await socket.receive_json_from()
        closing = await socket.receive_output(timeout=5)
        return error, closing

    async def scenario() -> None:
        for cookie in (None, "not-a-session"):
            error, closing = await refused(cookie)
            assert error["type"] == "error" and error["code"] == "unauthenticated"
            assert closing == {"type": "websocket.close", "code": 4401}
        error, closing = await refused(await db(session_cookie)(plain_user))
        assert error["code"] == "forbidden" and closing["code"] == 4403
        socket = desk_socket(agent_cookie, origin=b"https://evil.example")
        connected, _ = await socket.connect(timeout=5)
        assert not connected

    run(scenario)


def test_heartbeat_recovers_an_event_whose_broadcast_was_lost(monkeypatch: Any) -> None:
    monkeypatch.setattr(DeskConsumer, "sweep_every", 0.0)
    cookie = session_cookie(make_agent().user)

    async def scenario() -> None:
        socket, frames = await open_socket(cookie)
        lost = await db(_store)()  # never broadcast, and nothing comes after it
        assert await quiet(socket)
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from() == {"type": "pong"}
        got = await events(socket, 1)
        assert got[0]["seq"] == lost.seq == frames[-1]["seq"] + 1
        await socket.disconnect()

    run(scenario)


def test_a_server_failure_closes_the_socket_so_the_client_resyncs(monkeypatch: Any) -> None:
    cookie = session_cookie(make_agent().user)

    def database_down(**kwargs: Any) -> None:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("vigil.realtime.consumers.stream_resync", database_down)

    async def scenario() -> None:
        socket = desk_socket(cookie)
        assert (await socket.connect(timeout=5))[0]
        await socket.send_json_to({"type": "hello", "since": 3})
        error = await socket.receive_json_from()
        assert error["type"] == "error" and error["code"] == "internal"
        assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 1011}

    run(scenario)
