"""Two uvicorn processes sharing the database and Redis: an event raised in one reaches a socket
held by the other, and a socket resumes on either process from where it left off."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from tests.factories.accounts import make_agent
from tests.factories.tickets import ingest
from tests.realtime.helpers import session_cookie
from tests.realtime.servers import Server, publishing_through_redis, server_pool
from vigil.accounts.services import api_token_create
from vigil.core.events import DESK_STREAM
from vigil.core.selectors import stream_last_seq

pytestmark = [pytest.mark.redis]

TIMEOUT = 10.0


@pytest.fixture
def servers(transactional_db: None, redis_url: str) -> Iterator[list[Server]]:
    with server_pool(redis_url=redis_url) as pool:
        yield [pool.start(), pool.start()]


async def recv(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
    return frame


def open_desk(server: Server, cookie: str) -> Any:
    return connect(
        f"{server.ws}/ws/desk/",
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
        origin=Origin(server.http),
        open_timeout=TIMEOUT,
        close_timeout=2,
    )


def ingest_here(redis_url: str, subject: str) -> int:
    """Raise events from this test process (a third one), publishing through Redis."""
    with publishing_through_redis(redis_url):
        return ingest(subject=subject).ticket.pk


def test_event_raised_in_one_process_reaches_a_socket_on_another(
    servers: list[Server], redis_url: str
) -> None:
    a, b = servers
    agent = make_agent()
    cookie = session_cookie(agent.user)
    _, token = api_token_create(agent=agent, name="multiprocess test")
    start = stream_last_seq(stream=DESK_STREAM)

    async def scenario() -> None:
        async with open_desk(b, cookie) as on_b:
            await on_b.send(json.dumps({"type": "hello", "since": None}))
            assert await recv(on_b) == {"type": "ready", "seq": start}
            # Process A stores the ticket and publishes; process B's socket hears it.
            async with httpx.AsyncClient(base_url=a.http, timeout=TIMEOUT) as http:
                response = await http.post(
                    "/api/v1/tickets",
                    headers={"Authorization": f"Bearer {token}"},
                    json={
                        "customer": {"email": "whale@example.com"},
                        "subject": "Withdrawal stuck",
                        "text": "Sent 2 BTC an hour ago, still pending",
                    },
                )
            assert response.status_code == 201, response.text
            frames = [await recv(on_b), await recv(on_b)]
            assert [f["seq"] for f in frames] == [start + 1, start + 2]
            assert [f["event"] for f in frames] == ["ticket.created", "message.added"]
            assert frames[0]["payload"]["ticket_id"] == response.json()["id"]
            # A third process publishes too.
            ticket_id = await asyncio.to_thread(ingest_here, redis_url, "Third process")
            frames = [await recv(on_b), await recv(on_b)]
            assert [f["seq"] for f in frames] == [start + 3, start + 4]
            assert frames[0]["payload"]["ticket_id"] == ticket_id
            with pytest.raises(TimeoutError):  # nothing twice
                await asyncio.wait_for(on_b.recv(), 0.5)

        # While the agent is away, more happens; they come back on the other process.
        await asyncio.to_thread(ingest_here, redis_url, "While away")
        async with open_desk(a, cookie) as on_a:
            await on_a.send(json.dumps({"type": "hello", "since": start + 4}))
            frames = [await recv(on_a) for _ in range(3)]
            assert [f.get("seq") for f in frames] == [start + 5, start + 6, start + 6]
            assert [f["type"] for f in frames] == ["event", "event", "ready"]
            await asyncio.to_thread(ingest_here, redis_url, "Live again")
            frames = [await recv(on_a), await recv(on_a)]
            assert [f["seq"] for f in frames] == [start + 7, start + 8]

    try:
        asyncio.run(asyncio.wait_for(scenario(), 60))
    except BaseException:
        for server in servers:
            print(f"--- uvicorn :{server.port}\n{server.output()}")
        raise
