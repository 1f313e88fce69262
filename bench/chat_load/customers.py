"""Simulated visitors: each holds a widget socket, opens a chat and writes at a human pace.

See bench/README.md#live-chat-load and the wire protocol in docs/architecture.md#live-chat.
A visitor connects with its own client address (X-Forwarded-For, which uvicorn trusts from
loopback), says hello, starts a chat, waits for an agent to join, then sends a message every
`interval` seconds (uniform jitter), faster by `burst_factor` during the burst phase. The
reader records every ack, echo, agent reply and sequence number it sees.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from bench.chat_load.record import Recorder

TEXTS = (
    "My USDT withdrawal on TRC20 has been pending for an hour, can you check?",
    "I sent the transaction hash already, it shows confirmed on the explorer.",
    "Is there a problem with the network right now?",
    "ok, thank you, I'll wait",
    "The app says 'processing' and the balance is frozen.",
)


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

    def _client_address(self) -> str:
        return f"10.{(self.index >> 16) & 255}.{(self.index >> 8) & 255}.{self.index & 255}"

    async def run(self) -> None:
        async with connect(
            self.url,
            origin=Origin(self.origin),
            additional_headers={"X-Forwarded-For": self._client_address()},
            open_timeout=60,
            close_timeout=5,
            ping_interval=None,  # the protocol has its own ping; keep the generator lean
            max_queue=None,
        ) as ws:
            self.ws = ws
            reader = asyncio.create_task(self._read(ws))
            try:
                await self._talk(ws)
            finally:
                reader.cancel()

    async def _talk(self, ws: ClientConnection) -> None:
        await ws.send(json.dumps({"type": "hello", "token": None, "since": None, "locale": "en"}))
        client_id = self._client_id()
        self.rec.customer_sent(self.index, client_id, "ramp", time.perf_counter())
        await ws.send(
            json.dumps(
                {
                    "type": "start",
                    "client_id": client_id,
                    "language": "en",
                    "category": "withdrawal",
                    "text": TEXTS[0],
                    "email": f"visitor{self.index}@bench.example",
                }
            )
        )
        await self.started.wait()
        self.plan.opened += 1
        await self.joined.wait()
        self.plan.joined += 1
        while self.plan.phase in ("ramp", "steady", "burst"):
            low, high = self.plan.interval
            pause = self.rng.uniform(low, high)
            if self.plan.phase == "burst":
                pause /= self.plan.burst_factor
            changed = self.plan.changed
            try:
                await asyncio.wait_for(changed.wait(), pause)
                continue  # a new phase: draw the pause again at its pace
            except TimeoutError:
                pass
            if self.plan.phase in ("steady", "burst"):
                await self._send(ws)
        await self.plan.closing.wait()  # replies in flight still arrive

    async def _send(self, ws: ClientConnection) -> None:
        client_id = self._client_id()
        text = self.rng.choice(TEXTS)
        self.rec.customer_sent(self.index, client_id, self.plan.phase, time.perf_counter())
        await ws.send(json.dumps({"type": "message", "client_id": client_id, "text": text}))

    def _client_id(self) -> str:
        self.sent += 1
        return f"c{self.index}-{self.sent}"

    async def end(self) -> None:
        if self.ws is not None:
            await self.ws.send(json.dumps({"type": "end"}))

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
            self.rec.customer_acked(frame["client_id"], int(frame["message_id"]), at)
        elif kind == "event":
            self._on_event(frame, at)
        elif kind == "started":
            self.plan.sessions[int(frame["session"]["id"])] = self.index
            self.rec.sessions[int(frame["session"]["id"])] = self.index
            self.started.set()
        elif kind == "error":
            self.rec.error(str(frame.get("code")))

    def _on_event(self, frame: dict[str, Any], at: float) -> None:
        self.rec.customer_event(self.index, int(frame["seq"]))
        name, payload = frame.get("event"), frame.get("payload") or {}
        if name == "message":
            if payload.get("author") == "customer":
                self.rec.customer_echo(self.index, str(payload.get("client_id")))
            elif payload.get("author") == "agent":
                self.rec.customer_got_reply(self.index, int(payload["id"]), at)
        elif name == "agent_joined":
            self.joined.set()
