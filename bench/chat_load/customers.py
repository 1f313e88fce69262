"""Simulated visitors: each holds a widget socket, opens a chat and writes at a human pace.

See bench/README.md#live-chat-load and the wire protocol in docs/architecture.md#live-chat.
A visitor connects with its own client address (X-Forwarded-For, which uvicorn trusts from
loopback), says hello, starts a chat, waits for an agent to join, then sends a message every
`interval` seconds (uniform jitter), faster by `burst_factor` during the burst phase. The
reader records every ack, echo, agent reply and sequence number it sees.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from bench.chat_load.record import Recorder

TEXTS = (
    "My USDT withdrawal on TRC20 has been pending for an hour, can you check?",
    "I sent the transaction hash already, it shows confirmed on the explorer.",
    "Is there a problem with the network right now?",
    "ok, thank you, I'll wait",
    "The app says 'processing' and the balance is frozen.",
)

HEARTBEAT_S = 25.0  # the widget's ping interval (static/chat/widget.js)
PING = json.dumps({"type": "ping"})


@dataclass
class Plan:
    """The phase every client follows; the orchestrator moves it forward."""

    interval: tuple[float, float]
    burst_factor: float
    phase: str = "ramp"
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    closing: asyncio.Event = field(default_factory=asyncio.Event)  # sockets may close now
    # session id -> chat index, filled by the customers, read by the agents
    sessions: dict[int, int] = field(default_factory=dict)
    opened: int = 0
    joined: int = 0

    def enter(self, phase: str) -> None:
        self.phase = phase
        self.changed.set()
        self.changed = asyncio.Event()


class Customer:
    def __init__(
        self, index: int, *, url: str, origin: str, plan: Plan, rec: Recorder, seed: int
    ) -> None:
        self.index = index
        self.url = url
        self.origin = origin
        self.plan = plan
        self.rec = rec
        self.rng = random.Random(seed * 100_003 + index)
        self.sent = 0
        self.joined = asyncio.Event()
        self.started = asyncio.Event()
        self.ws: ClientConnection | None = None
        self.token: str | None = None
        self.connections = 0
        self.seq: int | None = None  # the last event number seen
        self.outbox: dict[str, str] = {}  # client id -> frame, until acknowledged

    def _client_address(self) -> str:
        return f"10.{(self.index >> 16) & 255}.{(self.index >> 8) & 255}.{self.index & 255}"

    async def run(self) -> None:
        """Hold a socket until the run closes; after a drop, reconnect as the widget does:
        hello(token, since=last seq), then resend every message not yet acknowledged."""
        talker = asyncio.create_task(self._talk())
        try:
            while not self.plan.closing.is_set():
                try:
                    await self._connected()
                except (OSError, ConnectionClosed, TimeoutError) as exc:
                    self.rec.note(f"customer socket dropped ({type(exc).__name__}), resumed")
                    await asyncio.sleep(0.5 + self.rng.random())
                if talker.done():
                    talker.result()
        finally:
            talker.cancel()

    async def _connected(self) -> None:
        async with connect(
            self.url,
            origin=Origin(self.origin),
            additional_headers={"X-Forwarded-For": self._client_address()},
            open_timeout=60,
            close_timeout=5,
            ping_interval=None,  # the protocol has its own ping; keep the generator lean
            max_queue=None,
        ) as ws:
            self.connections += 1
            hello = {"type": "hello", "token": self.token, "since": self.seq, "locale": "en"}
            await ws.send(json.dumps(hello))
            self.ws = ws
            reader = asyncio.create_task(self._read(ws))
            closing = asyncio.create_task(self.plan.closing.wait())
            beating = asyncio.create_task(self._heartbeat(ws))
            try:
                await asyncio.wait({reader, closing}, return_when=asyncio.FIRST_COMPLETED)
                if reader.done():
                    reader.result()
                    raise ConnectionClosed(None, None)
            finally:
                self.ws = None
                reader.cancel()
                closing.cancel()
                beating.cancel()

    async def _heartbeat(self, ws: ClientConnection) -> None:
        """A ping every HEARTBEAT_S as the widget sends (its server-side sweep and seen mark
        are part of the load), the first at a random point so the sockets do not beat at once."""
        await asyncio.sleep(self.rng.uniform(0, HEARTBEAT_S))
        while True:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(PING)
            await asyncio.sleep(HEARTBEAT_S)

    async def _emit(self, client_id: str, frame: dict[str, Any]) -> None:
        """Send now if connected; kept until acknowledged, and resent after a reconnect."""
        raw = json.dumps(frame)
        self.outbox[client_id] = raw
        ws = self.ws
        if ws is not None:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(raw)

    async def _resend(self, ws: ClientConnection) -> None:
        for raw in list(self.outbox.values()):
            with contextlib.suppress(ConnectionClosed):
                await ws.send(raw)

    async def _talk(self) -> None:
        while self.ws is None:
            await asyncio.sleep(0.05)
        client_id = self._client_id()
        self.rec.customer_sent(self.index, client_id, "ramp", time.perf_counter())
        await self._emit(
            client_id,
            {
                "type": "start",
                "client_id": client_id,
                "language": "en",
                "category": "withdrawal",
                "text": TEXTS[0],
                "email": f"visitor{self.index}@bench.example",
            },
        )
        await self.started.wait()
        self.plan.opened += 1
        await self.joined.wait()
        self.plan.joined += 1
        loop = asyncio.get_running_loop()
        while self.plan.phase in ("ramp", "steady", "burst"):
            low, high = self.plan.interval
            pace = self._pace()
            due = loop.time() + self.rng.uniform(low, high) / pace
            while (left := due - loop.time()) > 0:
                changed = self.plan.changed
                try:
                    await asyncio.wait_for(changed.wait(), left)
                except TimeoutError:
                    break
                if self.plan.phase not in ("ramp", "steady", "burst"):
                    return
                # A new phase: what is left of the pause runs at the new pace. Drawing a new
                # pause instead would silence every customer at once and then send a wave.
                now, new = loop.time(), self._pace()
                due, pace = now + (due - now) * pace / new, new
            if self.plan.phase in ("steady", "burst"):
                await self._send()

    def _pace(self) -> float:
        return self.plan.burst_factor if self.plan.phase == "burst" else 1.0

    async def _send(self) -> None:
        client_id = self._client_id()
        text = self.rng.choice(TEXTS)
        self.rec.customer_sent(self.index, client_id, self.plan.phase, time.perf_counter())
        await self._emit(client_id, {"type": "message", "client_id": client_id, "text": text})

    def _client_id(self) -> str:
        self.sent += 1
        return f"c{self.index}-{self.sent}"

    async def _read(self, ws: ClientConnection) -> None:
        async for raw in ws:
            at = time.perf_counter()
            frame = json.loads(raw)
            try:
                self._on_frame(frame, at)
            except (KeyError, TypeError, ValueError) as exc:
                self.rec.error(f"unreadable {frame.get('type')}: {exc!r}")

    def _on_frame(self, frame: dict[str, Any], at: float) -> None:
        kind = frame.get("type")
        if kind == "ack":
            self.outbox.pop(frame["client_id"], None)
            self.rec.customer_acked(frame["client_id"], int(frame["message_id"]), at)
        elif kind in ("ready", "reset"):
            if self.connections > 1 and self.ws is not None:
                asyncio.get_running_loop().create_task(self._resend(self.ws))
        elif kind == "event":
            self._on_event(frame, at)
        elif kind == "started":
            self.token = str(frame["token"])
            self.plan.sessions[int(frame["session"]["id"])] = self.index
            self.rec.sessions[int(frame["session"]["id"])] = self.index
            self.started.set()
        elif kind == "error":
            self.rec.error(str(frame.get("code")))

    def _on_event(self, frame: dict[str, Any], at: float) -> None:
        self.seq = max(self.seq or 0, int(frame["seq"]))
        self.rec.customer_event(self.index, int(frame["seq"]))
        name, payload = frame.get("event"), frame.get("payload") or {}
        if name == "message":
            if payload.get("author") == "customer":
                self.rec.customer_echo(self.index, str(payload.get("client_id")))
            elif payload.get("author") == "agent":
                self.rec.customer_got_reply(self.index, int(payload["id"]), at)
        elif name == "agent_joined":
            self.joined.set()
