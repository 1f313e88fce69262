"""The desk socket: an agent's console hears the desk's events live, in order, once each.

See docs/architecture.md#real-time; the frames are in vigil/realtime/protocol.py.

The consumer joins the stream's group before it reads the log, holds live messages back until
the client's backlog is out, and remembers the last sequence number it has dealt with (sent, or
skipped as invisible to this agent). A live message at or below that number is a duplicate; one
further ahead reveals a gap (a lost broadcast, or two processes publishing out of order), which
is filled from the log before anything newer goes out.

Holding back needs no buffer of our own: a consumer handles one message at a time, so live
messages wait in the channel layer's queue while the hello is answered, and one handled before
the hello was committed before the log was read, so the backlog already covers it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from vigil.core.events import DESK_STREAM
from vigil.core.services import stream_group
from vigil.realtime.dispatch import DirectDispatch
from vigil.realtime.presence import PresenceTracking
from vigil.realtime.protocol import (
    Hello,
    ProtocolError,
    error_frame,
    event_frame,
    parse_client_frame,
    pong_frame,
    ready_frame,
    reset_frame,
)
from vigil.realtime.selectors import Listener, Resync, listener_for_user, stream_resync

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_INTERNAL = 1011


def agent_group(agent_id: int) -> str:
    """The channel-layer group of one agent's desk sockets (transient frames, e.g. a visitor
    typing in the agent's chat)."""
    return f"agentlive.{agent_id}"


class DeskConsumer(DirectDispatch, PresenceTracking, AsyncJsonWebsocketConsumer):
    """`/ws/desk/`: the desk stream for a signed-in agent."""

    stream = DESK_STREAM
    # A client ping at least this long after the last check also compares the socket with the
    # log, so an event whose broadcast was lost arrives by the next heartbeat at the latest.
    sweep_every = 20.0
    listener: Listener | None = None
    last_seq: int | None = None  # None until the client's hello has been answered
    closed = False

    async def connect(self) -> None:
        self.checked_at = time.monotonic()
        user = self.scope.get("user")
        listener = await database_sync_to_async(listener_for_user)(user)
        await self.accept()
        if listener is None:
            if getattr(user, "is_authenticated", False):
                await self._refuse(CLOSE_FORBIDDEN, "forbidden", "only agents may listen")
            else:
                await self._refuse(CLOSE_UNAUTHENTICATED, "unauthenticated", "sign in first")
            return
        self.listener = listener
        await self._join()
        await self.presence_opened(listener.agent_id)

    async def _refuse(self, code: int, reason: str, message: str) -> None:
        self.closed = True
        await self.send_json(error_frame(reason, message))
        await self.close(code)

    async def _join(self) -> None:
        assert self.listener is not None
        for group in (stream_group(self.stream), agent_group(self.listener.agent_id)):
            await self.channel_layer.group_add(group, self.channel_name)
            if group not in self.groups:
                self.groups.append(group)

    # Client frames ---------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closed or self.listener is None:
            return
        try:
            frame = parse_client_frame(text_data, bytes_data)
            if isinstance(frame, Hello):
                await self._hello(frame.since)
            else:
                await self.send_json(pong_frame())
                await self.presence_ping()
                await self._sweep_if_due()
        except ProtocolError as exc:
            await self.send_json(error_frame(exc.code, exc.message))
        except Exception:
            logger.exception("desk socket failed on a client frame")
            await self._fail()

    async def _hello(self, since: int | None) -> None:
        if self.last_seq is not None:
            raise ProtocolError("already_started", "hello is sent once per connection")
        assert self.listener is not None
        resync = await database_sync_to_async(stream_resync)(
            stream=self.stream, since=since, listener=self.listener
        )
        await self._send_resync(resync, ready=True)

    async def _send_resync(self, resync: Resync, *, ready: bool) -> None:
        if resync.reset:
            await self.send_json(reset_frame(resync.seq))
        else:
            for message in resync.events:
                await self.send_json(event_frame(message))
            if ready:
                await self.send_json(ready_frame(resync.seq))
        self.last_seq = resync.seq

    async def _sweep_if_due(self) -> None:
        if self.last_seq is None or time.monotonic() - self.checked_at < self.sweep_every:
            return
        self.checked_at = time.monotonic()
        await self._join()  # refreshes the membership; a no-op when already subscribed
        await self._catch_up()

    async def _catch_up(self) -> None:
        assert self.listener is not None and self.last_seq is not None
        resync = await database_sync_to_async(stream_resync)(
            stream=self.stream, since=self.last_seq, listener=self.listener
        )
        await self._send_resync(resync, ready=False)

    async def _fail(self) -> None:
        """Something broke (the database, most likely): close so the client reconnects and
        resyncs from its last sequence number, which loses nothing."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):  # the connection itself may be what broke
            await self.send_json(error_frame("internal", "server error; reconnect to resync"))
            await self.close(CLOSE_INTERNAL)

    # Channel-layer messages -------------------------------------------------------------------

    async def desk_frame(self, message: dict[str, Any]) -> None:
        """A transient frame for this agent (a visitor typing, a read mark): sent verbatim,
        unsequenced, best effort; never stored, so never resent."""
        frame = message.get("frame")
        if self.closed or self.last_seq is None or not isinstance(frame, dict):
            return
        with contextlib.suppress(Exception):
            await self.send_json(frame)

    async def stream_event(self, message: dict[str, Any]) -> None:
        if self.closed or self.listener is None:
            return
        if message.get("stream") != self.stream or not isinstance(message.get("seq"), int):
            logger.warning("desk socket ignored a malformed live message: %r", message)
            return
        if self.last_seq is None:
            return  # committed before the hello is answered, so the log read covers it
        try:
            await self._live(message)
        except Exception:
            logger.exception("desk socket failed on a live event")
            await self._fail()

    async def _live(self, message: dict[str, Any]) -> None:
        assert self.listener is not None and self.last_seq is not None
        seq: int = message["seq"]
        if seq <= self.last_seq:
            return  # already sent from the log
        if seq > self.last_seq + 1:
            await self._catch_up()
            if seq != self.last_seq + 1:
                # Sent by the catch-up, or not in the log yet (it will be read from there).
                return
        if self.listener.can_see(team_id=message.get("team_id"), agent_id=message.get("agent_id")):
            await self.send(text_data=_frame_text(message))
        self.last_seq = seq


def _frame_text(message: dict[str, Any]) -> str:
    """The event's frame as JSON, encoded once for every socket it goes to: the in-memory
    layer hands the same message to each member (realtime/layers.py), so the first socket
    keeps the text on it for the others."""
    text = message.get(_TEXT)
    if not isinstance(text, str):
        text = json.dumps(event_frame(message))
        message[_TEXT] = text
    return text


_TEXT = "_vigil_frame_text"  # not a field of the wire form: never sent, never stored
