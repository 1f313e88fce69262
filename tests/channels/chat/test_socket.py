"""The chat socket through vigil.asgi's real stack: start, ack after commit, resend, resume."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from tests.channels.chat.helpers import (
    connect,
    events,
    hello,
    quiet,
    recv,
    send,
    start_frame,
    until,
)
from tests.factories.chat import make_widget
from vigil.channels.models import ChatSession
from vigil.tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def test_start_acks_after_commit_and_streams_the_message() -> None:
    widget = make_widget()

    async def scenario() -> None:
        socket = await connect(widget.address)
        frames = await hello(socket)
        assert frames[0]["type"] == "welcome" and frames[0]["session"] is None
        assert frames[0]["config"]["max_text"] == 4000
        assert frames[-1] == {"type": "ready", "seq": 0}
        await send(socket, start_frame("c1", "Deposit of 2 BTC missing", email="Ann@Example.com"))
        started = await recv(socket)
        assert started["type"] == "started" and started["token"]
        assert started["session"]["state"] == "waiting"
        ack = await recv(socket)
        # The ack names a committed message: it is readable from another connection.
        stored = await db(Message.objects.get)(pk=ack["message_id"])
        assert stored.text == "Deposit of 2 BTC missing" and stored.external_id == "c1"
        assert ack == {"type": "ack", "client_id": "c1", "message_id": stored.pk, "seq": 1}
        event = await recv(socket)
        assert event["type"] == "event" and event["seq"] == 1 and event["event"] == "message"
        assert event["payload"]["author"] == "customer"
        assert event["payload"]["client_id"] == "c1"
        session = await db(ChatSession.objects.get)(pk=started["session"]["id"])
        assert session.token_digest != started["token"] and len(session.token_digest) == 64
        assert session.email == "ann@example.com"
        await send(socket, {"type": "message", "client_id": "c2", "text": "Any news?"})
        ack2 = await recv(socket)
        assert ack2["type"] == "ack" and ack2["seq"] == 2
        assert (await recv(socket))["seq"] == 2
        # A resend of c2 (the ack was lost): the same ack, nothing new stored or streamed.
        await send(socket, {"type": "message", "client_id": "c2", "text": "Any news?"})
        assert await recv(socket) == ack2
        assert await quiet(socket)
        count = await db(Message.objects.filter(ticket_id=session.ticket_id).count)()
        assert count == 2
        await socket.disconnect()

    run(scenario)


def test_reconnect_with_token_and_since_gets_exactly_the_missed_events() -> None:
    widget = make_widget()

    async def scenario() -> None:
        socket = await connect(widget.address)
        await hello(socket)
        await send(socket, start_frame("a1"))
        token = (await recv(socket))["token"]
        await until(socket, {"event"})
        await socket.disconnect()
        # Meanwhile the visitor's other tab writes twice.
        other = await connect(widget.address)
        frames = await hello(other, token=token, since=1)
        assert [f["type"] for f in frames] == ["welcome", "ready"]
        for n in (2, 3):
            await send(other, {"type": "message", "client_id": f"a{n}", "text": f"text {n}"})
            await until(other, {"event"})
        await other.disconnect()
        # A reload resumes by token: since=1 gives 2 and 3, in order, once, then ready.
        again = await connect(widget.address)
        frames = await hello(again, token=token, since=1)
        assert frames[0]["type"] == "welcome" and frames[0]["session"]["state"] == "waiting"
        assert [e["seq"] for e in events(frames)] == [2, 3]
        assert [e["payload"]["text"] for e in events(frames)] == ["text 2", "text 3"]
        assert frames[-1] == {"type": "ready", "seq": 3}
        assert await quiet(again)
        await again.disconnect()
        # No since (a new page without the number): everything from the start.
        fresh = await connect(widget.address)
        frames = await hello(fresh, token=token, since=None)
        assert [e["seq"] for e in events(frames)] == [1, 2, 3]
        await fresh.disconnect()

    run(scenario)
