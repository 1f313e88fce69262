"""Every refusal on the chat socket is an error frame; the socket stays open afterwards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing.websocket import WebsocketCommunicator

from tests.channels.chat.helpers import connect, hello, recv, send, start_frame
from tests.factories.chat import make_widget, start_chat
from vigil.channels.models import ChatSession
from vigil.tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


async def refused(socket: WebsocketCommunicator, frame: dict[str, Any] | str) -> dict[str, Any]:
    """Send `frame`, return the error it gets, and check the socket still answers."""
    if isinstance(frame, str):
        await socket.send_to(text_data=frame)
    else:
        await send(socket, frame)
    error = await recv(socket)
    assert error["type"] == "error", error
    await send(socket, {"type": "ping"})
    assert await recv(socket) == {"type": "pong"}
    return error


def test_each_refusal_is_an_error_frame_and_the_socket_stays_open() -> None:
    widget = make_widget(limits={"messages_burst": [3, 60]})

    async def scenario() -> None:
        socket = await connect(widget.address)
        assert (await refused(socket, "{not json"))["code"] == "bad_json"
        assert (await refused(socket, "[1, 2]"))["code"] == "bad_frame"
        assert (await refused(socket, {"type": "dance"}))["code"] == "unknown_type"
        big = {"type": "ping", "pad": "x" * 17000}
        assert (await refused(socket, big))["code"] == "frame_too_large"
        say = {"type": "message", "client_id": "m0", "text": "hi"}
        assert (await refused(socket, say))["code"] == "bad_frame"  # hello first
        await hello(socket)
        error = await refused(socket, say)
        assert (error["code"], error["client_id"]) == ("no_session", "m0")
        bad_language = start_frame("s1", language="klingon")
        assert (await refused(socket, bad_language))["code"] == "bad_language"
        bad_category = start_frame("s1", category="lottery")
        assert (await refused(socket, bad_category))["code"] == "bad_category"
        too_long = start_frame("s1", text="x" * 4001)
        error = await refused(socket, too_long)
        assert (error["code"], error["client_id"]) == ("text_too_long", "s1")
        assert (await refused(socket, start_frame("s1", text="   ")))["code"] == "empty_message"
        await send(socket, start_frame("s1"))
        assert (await recv(socket))["type"] == "started"
        assert (await recv(socket))["type"] == "ack"
        assert (await recv(socket))["type"] == "event"
        attach = {"type": "message", "client_id": "m1", "text": "see file", "attachments": [999]}
        assert (await refused(socket, attach))["code"] == "bad_attachment"
        # Burst of 3 per minute (this widget's override): the rest is refused with a wait.
        for n in (2, 3):
            await send(socket, {"type": "message", "client_id": f"m{n}", "text": "again"})
            assert (await recv(socket))["type"] == "ack"
            assert (await recv(socket))["type"] == "event"
        error = await refused(socket, {"type": "message", "client_id": "m4", "text": "again"})
        assert error["code"] == "rate_limited" and error["client_id"] == "m4"
        assert 0 < error["retry_after"] <= 60
        await socket.disconnect()

    run(scenario)
    session = ChatSession.objects.get(account=widget)
    # Refused frames stored nothing: the start and the acknowledged m2, m3 (m1's upload id
    # was unknown, m4 was rate limited).
    stored = Message.objects.filter(ticket_id=session.ticket_id).values_list(
        "external_id", flat=True
    )
    assert sorted(str(x) for x in stored) == ["m2", "m3", "s1"]


def test_opening_chats_is_limited_per_address() -> None:
    widget = make_widget(limits={"starts_per_ip": [2, 600]})

    async def scenario() -> None:
        socket = await connect(widget.address, client="198.51.100.9")
        await hello(socket)
        for n in (1, 2):
            await send(socket, start_frame(f"o{n}"))
            assert (await recv(socket))["type"] == "started"
            await recv(socket)
            await recv(socket)
        error = await refused(socket, start_frame("o3"))
        assert error["code"] == "rate_limited" and error["retry_after"] > 0
        other = await connect(widget.address, client="198.51.100.10")  # another address
        await hello(other)
        await send(other, start_frame("o4"))
        assert (await recv(other))["type"] == "started"
        await socket.disconnect()
        await other.disconnect()

    run(scenario)


def test_wrong_token_is_refused_and_a_fresh_chat_offered() -> None:
    started = start_chat()
    elsewhere = make_widget().address

    async def scenario() -> None:
        socket = await connect(started.session.account.address)
        await send(socket, {"type": "hello", "token": "forged-token", "since": 3})
        error = await recv(socket)
        assert (error["type"], error["code"]) == ("error", "bad_token")
        welcome = await recv(socket)
        assert welcome["type"] == "welcome" and welcome["session"] is None
        assert await recv(socket) == {"type": "ready", "seq": 0}
        await socket.disconnect()
        # Another widget's token does not open this widget's session either.
        other = await connect(elsewhere)
        await send(other, {"type": "hello", "token": started.token, "since": 0})
        assert (await recv(other))["code"] == "bad_token"
        await other.disconnect()

    run(scenario)


def test_origin_not_allowed_is_refused_and_closed() -> None:
    widget = make_widget(origins=("https://www.exchange.example",))

    async def scenario() -> None:
        socket = await connect(widget.address, origin=b"https://evil.example")
        error = await recv(socket)
        assert (error["type"], error["code"]) == ("error", "origin_refused")
        assert (await socket.receive_output(timeout=2))["type"] == "websocket.close"
        allowed = await connect(widget.address, origin=b"https://WWW.exchange.example:443")
        frames = await hello(allowed)
        assert frames[0]["type"] == "welcome"
        await allowed.disconnect()
        unknown = await connect("wk_nope")
        assert (await recv(unknown))["code"] == "no_session"

    run(scenario)
