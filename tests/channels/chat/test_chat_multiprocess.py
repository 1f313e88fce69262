"""Live chat across two server processes sharing the database and Redis: the visitor's socket on
one process and the agent's desk socket on the other chat both ways, and a visitor who
reconnects to the other process with `since` gets exactly what they missed, in order, once.

See docs/architecture.md#live-chat. Loopback only; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from tests.factories.accounts import make_agent
from tests.realtime.helpers import session_cookie
from tests.realtime.servers import Server, publishing_through_redis, server_pool
from vigil.accounts.services import api_token_create
from vigil.channels.chat.services import chat_agent_join
from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount, ChatSession

pytestmark = [pytest.mark.redis]

TIMEOUT = 10.0
SITE = "https://exchange.test"
TRANSIENT = {"queue", "typing", "read", "pong"}  # unsequenced frames a visitor may also get


@pytest.fixture
def servers(transactional_db: None, redis_url: str) -> Iterator[list[Server]]:
    with server_pool(redis_url=redis_url) as pool:
        yield [pool.start(), pool.start()]


def widget() -> ChannelAccount:
    return ChannelAccount.objects.create(
        kind=ChannelKind.CHAT,
        name="Exchange",
        address=f"wk_{secrets.token_hex(8)}",
        settings={"allowed_origins": [SITE]},
    )


async def frame(ws: ClientConnection) -> dict[str, Any]:
    """The next frame that is not a transient one."""
    while True:
        got: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if got["type"] not in TRANSIENT:
            return got


async def quiet(ws: ClientConnection, seconds: float = 0.6) -> list[dict[str, Any]]:
    """Every non-transient frame that arrives within `seconds` (expected: none)."""
    extra: list[dict[str, Any]] = []
    try:
        while True:
            got = json.loads(await asyncio.wait_for(ws.recv(), seconds))
            if got["type"] not in TRANSIENT:
                extra.append(got)
    except TimeoutError:
        return extra


def visitor(server: Server, key: str) -> Any:
    return connect(
        f"{server.ws}/ws/chat/{key}/", origin=Origin(SITE), open_timeout=TIMEOUT, close_timeout=2
    )


def desk(server: Server, cookie: str) -> Any:
    return connect(
        f"{server.ws}/ws/desk/",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
        origin=Origin(server.http),
        open_timeout=TIMEOUT,
        close_timeout=2,
    )


async def desk_message(ws: ClientConnection, message_id: int) -> dict[str, Any]:
    """The message.added event of `message_id` on a desk socket (other events are skipped)."""
    while True:
        got = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        payload = got.get("payload") or {}
        if got.get("event") == "message.added" and payload.get("message_id") == message_id:
            return payload


def join_here(redis_url: str, session_id: int, agent_id: int) -> None:
    """The agent takes the chat from a third process, publishing through Redis."""
    from vigil.accounts.models import Agent

    with publishing_through_redis(redis_url):
        chat_agent_join(
            session=ChatSession.objects.get(pk=session_id), agent=Agent.objects.get(pk=agent_id)
        )


def test_chat_across_two_processes_and_resume_on_the_other(
    servers: list[Server], redis_url: str
) -> None:
    a, b = servers
    key = widget().address
    agent = make_agent(display_name="Mei")
    cookie = session_cookie(agent.user)
    _, token = api_token_create(agent=agent, name="chat multiprocess test")
    auth = {"Authorization": f"Bearer {token}"}

    async def reply(server: Server, ticket_id: int, text: str) -> int:
        async with httpx.AsyncClient(base_url=server.http, timeout=TIMEOUT) as http:
            answer = await http.post(
                f"/api/v1/tickets/{ticket_id}/replies", headers=auth, json={"text": text}
            )
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    async def scenario() -> None:
        async with desk(b, cookie) as agent_ws, visitor(a, key) as on_a:
            await agent_ws.send(json.dumps({"type": "hello", "since": None}))
            assert (await frame(agent_ws))["type"] == "ready"
            # The visitor opens a chat on A.
            await on_a.send(json.dumps({"type": "hello", "token": None, "since": None}))
            assert (await frame(on_a))["type"] == "welcome"
            assert await frame(on_a) == {"type": "ready", "seq": 0}
            await on_a.send(
                json.dumps(
                    {"type": "start", "client_id": "c-1", "language": "en",
                     "category": "withdrawal", "text": "My withdrawal is stuck"}
                )
            )  # fmt: skip
            started = await frame(on_a)
            assert started["type"] == "started"
            session_id, chat_token = started["session"]["id"], started["token"]
            ack = await frame(on_a)
            assert (ack["type"], ack["client_id"], ack["seq"]) == ("ack", "c-1", 1)
            first = await frame(on_a)
            assert (first["seq"], first["event"]) == (1, "message")
            ticket_id = await asyncio.to_thread(
                lambda: ChatSession.objects.get(pk=session_id).ticket_id
            )
            # The agent takes it (from a third process); A's socket hears it through Redis.
            await asyncio.to_thread(join_here, redis_url, session_id, agent.pk)
            joined = await frame(on_a)
            assert (joined["seq"], joined["event"]) == (2, "agent_joined")
            assert joined["payload"]["agent_name"] == "Mei"

            # Visitor on A -> agent on B.
            await on_a.send(json.dumps({"type": "message", "client_id": "c-2", "text": "hello?"}))
            ack = await frame(on_a)
            assert (ack["type"], ack["client_id"], ack["seq"]) == ("ack", "c-2", 3)
            echo = await frame(on_a)
            assert (echo["seq"], echo["payload"]["client_id"]) == (3, "c-2")
            seen = await desk_message(agent_ws, ack["message_id"])
            assert (seen["ticket_id"], seen["direction"]) == (ticket_id, "inbound")

            # Agent on B -> visitor on A.
            first_reply = await reply(b, ticket_id, "Checking it now")
            got = await frame(on_a)
            assert (got["seq"], got["event"]) == (4, "message")
            assert got["payload"]["id"] == first_reply
            assert got["payload"]["author"] == "agent"
            assert await quiet(on_a) == []

        # The visitor is away (last seen: 4); the agent writes twice, through both processes.
        missed = [await reply(a, ticket_id, "Found it"), await reply(b, ticket_id, "Sent again")]

        # The visitor comes back on the OTHER process and gets exactly what it missed.
        async with visitor(b, key) as on_b:
            await on_b.send(json.dumps({"type": "hello", "token": chat_token, "since": 4}))
            welcome = await frame(on_b)
            assert welcome["type"] == "welcome"
            assert welcome["session"]["id"] == session_id
            caught_up = [await frame(on_b), await frame(on_b), await frame(on_b)]
            assert [f["type"] for f in caught_up] == ["event", "event", "ready"]
            assert [f.get("seq") for f in caught_up] == [5, 6, 6]
            assert [f["payload"]["id"] for f in caught_up[:2]] == missed
            assert await quiet(on_b) == []

            # Live again on B: a reply made on A arrives once; a resend is acked, not stored.
            live = await reply(a, ticket_id, "Confirmed on chain")
            got = await frame(on_b)
            assert (got["seq"], got["payload"]["id"]) == (7, live)
            await on_b.send(json.dumps({"type": "message", "client_id": "c-2", "text": "hello?"}))
            again = await frame(on_b)
            assert (again["type"], again["message_id"], again["seq"]) == (
                "ack",
                ack["message_id"],
                3,
            )
            assert await quiet(on_b) == []

    try:
        asyncio.run(asyncio.wait_for(scenario(), 90))
    except BaseException:
        for server in servers:
            print(f"--- uvicorn :{server.port}\n{server.output()}")
        raise
