"""Simulated agents: each holds the console's desk socket, accepts the chats offered to it and
answers the customers' messages.

See bench/README.md#live-chat-load. An agent signs in as the console does (the session
cookie on /ws/desk/), accepts an offer as soon as it sees it as the console's Accept button
does (an htmx POST with the session and the CSRF token), and answers each customer message
after a short "typing" pause with probability `reply_ratio`, through the REST API. Replies
to one chat go out one after the other (the next once the previous was answered), as a
person types them. The reader records every customer message that reaches this agent's
socket.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from bench.chat_load.customers import Plan
from bench.chat_load.record import Recorder, Reply

PING_EVERY = 20.0
REPLY = "Thanks, I'm checking the withdrawal with our wallet team now, one moment please."


class Agent:
    def __init__(
        self,
        index: int,
        *,
        ws_url: str,
        http_url: str,
        credentials: dict[str, Any],
        cookie_name: str,
        plan: Plan,
        rec: Recorder,
        think: tuple[float, float],
        reply_ratio: float,
        seed: int,
    ) -> None:
        self.index = index
        self.ws_url = ws_url
        self.http_url = http_url
        self.csrf = secrets.token_hex(16)  # Django accepts any 32-character token it is sent
        self.cookie = f"{cookie_name}={credentials['cookie']}; csrftoken={self.csrf}"
        self.token = str(credentials["token"])
        self.plan = plan
        self.rec = rec
        self.think = think
        self.reply_ratio = reply_ratio
        self.rng = random.Random(seed * 7919 + index)
        self.tickets: dict[int, int] = {}  # ticket id -> session id, for the chats it holds
        self.locks: dict[int, asyncio.Lock] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.ready = asyncio.Event()
        self.http: httpx.AsyncClient | None = None
        self.console: httpx.AsyncClient | None = None
        self.seq: int | None = None  # the last desk event number seen

    async def run(self, stop: asyncio.Event) -> None:
        limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
        async with (
            httpx.AsyncClient(
                base_url=self.http_url,
                headers={"Authorization": f"Bearer {self.token}"},
                limits=limits,
                timeout=60,
            ) as http,
            httpx.AsyncClient(
                base_url=self.http_url,
                headers={"Cookie": self.cookie, "X-CSRFToken": self.csrf, "HX-Request": "true"},
                limits=limits,
                timeout=60,
            ) as console,
        ):
            self.http, self.console = http, console
            while not stop.is_set():
                try:
                    await self._connected(stop)
                except (OSError, ConnectionClosed, TimeoutError) as exc:
                    # As the console does: reconnect and resume from the last number seen.
                    self.rec.note(f"agent desk socket dropped ({type(exc).__name__}), resumed")
                    await asyncio.sleep(0.5)
            if self.tasks:
                await asyncio.wait(self.tasks, timeout=30)

    async def _connected(self, stop: asyncio.Event) -> None:
        async with connect(
            f"{self.ws_url}/ws/desk/",
            origin=Origin(self.http_url),
            additional_headers={"Cookie": self.cookie},
            open_timeout=60,
            close_timeout=5,
            ping_interval=None,
            max_queue=None,
        ) as ws:
            await ws.send(json.dumps({"type": "hello", "since": self.seq}))
            reader = asyncio.create_task(self._read(ws))
            try:
                while not stop.is_set():  # the console's heartbeat (presence, resync sweep)
                    if reader.done():
                        reader.result()  # the socket closed: raise why
                        raise ConnectionClosed(None, None)
                    try:
                        await asyncio.wait_for(stop.wait(), PING_EVERY)
                    except TimeoutError:
                        await ws.send(json.dumps({"type": "ping"}))
            finally:
                reader.cancel()

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            at = time.perf_counter()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "event":
                self.seq = max(self.seq or 0, int(frame["seq"]))
                self._on_event(frame["event"], frame.get("payload") or {}, at)
            elif kind in ("ready", "reset"):
                self.seq = int(frame["seq"])
                self.ready.set()
                if kind == "reset":
                    self.rec.error("agent socket reset")
            elif kind == "error":
                self.rec.error(f"agent: {frame.get('code')}")

    def _on_event(self, name: str, payload: dict[str, Any], at: float) -> None:
        if name == "chat.offered" and payload.get("agent_id") == self._agent_id():
            self._spawn(self._accept(int(payload["session_id"]), int(payload["ticket_id"])))
        elif name == "message.added":
            session_id = self.tickets.get(int(payload["ticket_id"]))
            if session_id is None or payload.get("direction") != "inbound":
                return
            message_id = int(payload["message_id"])
            self.rec.agent_got_message(self.index, int(payload["ticket_id"]), message_id, at)
            if self.plan.phase in ("steady", "burst") and self.rng.random() < self.reply_ratio:
                chat = self.plan.sessions.get(session_id, -1)
                self._spawn(self._reply(int(payload["ticket_id"]), chat))

    agent_id: int = 0

    def _agent_id(self) -> int:
        return self.agent_id

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(self._failed)

    def _failed(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.rec.error(f"agent request failed: {type(task.exception()).__name__}")

    async def _accept(self, session_id: int, ticket_id: int) -> None:
        assert self.console is not None
        self.tickets[ticket_id] = session_id
        response = await self.console.post(f"/chats/{session_id}/accept/")
        if response.status_code >= 300:
            self.tickets.pop(ticket_id, None)
            self.rec.error(f"accept {response.status_code}")
            return
        self.rec.agent_accepted(session_id, self.index, ticket_id)

    async def _reply(self, ticket_id: int, chat: int) -> None:
        assert self.http is not None
        await asyncio.sleep(self.rng.uniform(*self.think))
        lock = self.locks.setdefault(ticket_id, asyncio.Lock())
        async with lock:
            reply = Reply(chat=chat, phase=self.plan.phase, at=time.perf_counter())
            self.rec.agent_replied(reply)
            response = await self.http.post(
                f"/api/v1/tickets/{ticket_id}/replies", json={"text": REPLY}
            )
            reply.answered_at = time.perf_counter()
            if response.status_code == 201:
                reply.message_id = int(response.json()["id"])
            else:
                self.rec.error(f"reply {response.status_code}")
