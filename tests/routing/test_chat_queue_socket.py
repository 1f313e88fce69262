"""Queue frames through the real chat socket: visitors hear their position and wait, and
hear them change when an agent comes online, takes a chat and ends it."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing.websocket import WebsocketCommunicator

from tests.channels.chat.helpers import connect, hello, recv, send, start_frame
from tests.factories.chat import make_widget
from tests.routing.chat_helpers import make_chat_agent
from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent
from vigil.channels.models import ChatSession
from vigil.routing.chat_agent import chat_accept, chat_close
from vigil.routing.chat_offers import chat_offers_tick

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def next_queue(socket: WebsocketCommunicator) -> dict[str, Any]:
    """The next queue frame (events and acks in between are skipped)."""
    while True:
        frame = await recv(socket, 10, skip=set())
        if frame["type"] == "queue":
            return frame


async def queue_with(socket: WebsocketCommunicator, **expected: Any) -> dict[str, Any]:
    """The first queue frame with `expected` values; earlier ones (sent before the change,
    or twice: the socket's own answer and the queue's broadcast) are passed over."""
    for _ in range(20):
        frame = await next_queue(socket)
        if all(frame.get(k) == v for k, v in expected.items()):
            return frame
    raise AssertionError(f"no queue frame with {expected}")


async def start(key: str, n: int) -> tuple[WebsocketCommunicator, int]:
    socket = await connect(key, client=f"203.0.113.{n}")
    await hello(socket)
    await send(socket, start_frame(client_id=f"c{n}", text=f"Deposit {n} missing"))
    while True:
        frame = await recv(socket, 10, skip={"queue"})
        if frame["type"] == "started":
            return socket, int(frame["session"]["id"])


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    from django.core.cache import cache

    cache.clear()


def test_visitors_hear_their_place_in_line_change() -> None:
    widget = make_widget()
    ann = make_chat_agent(display_name="Ann", chat_capacity=1, presence=Presence.OFFLINE)

    async def scenario() -> None:
        first, first_id = await start(widget.address, 1)
        frame = await next_queue(first)
        assert frame["position"] == 1
        assert (frame["agents_online"], frame["long_wait"]) == (0, True)
        assert frame["expected_wait_s"] is None
        second, second_id = await start(widget.address, 2)
        frame = await next_queue(second)
        assert (frame["position"], frame["long_wait"], frame["method"]) == (2, True, "erlang_c")

        # Ann comes online (one slot): the first chat is offered to her, the second is next,
        # one departure away at 300 s per chat (no history yet).
        await db(Agent.objects.filter(pk=ann.pk).update)(presence=Presence.ONLINE)
        await db(chat_offers_tick)()
        offered = await db(ChatSession.objects.get)(pk=first_id)
        assert (offered.state, offered.offered_to_id) == (ChatSession.State.OFFERED, ann.pk)
        frame = await queue_with(second, agents_online=1)
        assert frame == {
            "type": "queue",
            "position": 1,
            "expected_wait_s": 300,
            "agents_online": 1,
            "long_wait": False,
            "method": "erlang_c",
        }

        # She takes it and ends it: her slot frees, and the second chat is offered to her.
        agent = await db(Agent.objects.get)(pk=ann.pk)
        await db(chat_accept)(session=offered, agent=agent)
        await db(chat_close)(session=offered, agent=agent)
        waiting = await db(ChatSession.objects.get)(pk=second_id)
        assert (waiting.state, waiting.offered_to_id) == (ChatSession.State.OFFERED, ann.pk)
        for socket in (first, second):
            await socket.disconnect()

    async_to_sync(scenario)()
