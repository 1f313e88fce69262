"""The visitor's socket `/ws/chat/<key>/`. See docs/architecture.md#live-chat; the frames are
parsed and built in protocol.py, the work is done by services.py.

Like the desk socket (vigil/realtime/consumers.py) it joins the session's stream group
before it reads the log, remembers the last sequence number sent, drops live events at or
below it and fills a gap from the log (realtime.selectors.stream_resync), so the visitor
gets every event once and in order across reconnects and server processes. Acks go out only
after the commit that stored the message. A refused frame is answered with an error frame;
the socket stays open.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from vigil.channels.chat import protocol as p
from vigil.channels.chat import session_calls as calls
from vigil.channels.chat.events import chat_stream
from vigil.channels.chat.seen import visitor_noted
from vigil.channels.models import ChannelAccount
from vigil.core.errors import VigilError
from vigil.core.services import stream_group
from vigil.realtime.db_pool import db
from vigil.realtime.dispatch import DirectDispatch

logger = logging.getLogger(__name__)

CLOSE_UNKNOWN_WIDGET = 4404
CLOSE_ORIGIN_REFUSED = 4403
CLOSE_INTERNAL = 1011
GENERIC_CODES = {"invalid": "bad_frame", "conflict": "bad_frame", "not_found": "no_session"}


class ChatConsumer(DirectDispatch, AsyncWebsocketConsumer):
    sweep_every = 20.0
    seen_every = 20.0
    seen_marked = float("-inf")
    account: ChannelAccount | None = None
    session_id: int | None = None
    last_seq: int | None = None  # of the session's stream, once the visitor is caught up
    hello_done = False
    closed = False

    async def connect(self) -> None:
        self.checked_at = time.monotonic()
        key = str(self.scope["url_route"]["kwargs"].get("key", ""))
        headers = dict(self.scope.get("headers") or [])
        origin = headers.get(b"origin", b"").decode("latin-1") or None
        host = headers.get(b"host", b"").decode("latin-1") or None
        account, allowed = await db(calls.widget_for_socket)(key=key, origin=origin, host=host)
        await self.accept()
        if account is None:
            await self._refuse(CLOSE_UNKNOWN_WIDGET, "no_session", "no such chat widget")
        elif not allowed:
            await self._refuse(
                CLOSE_ORIGIN_REFUSED, "origin_refused", "this site may not open the chat"
            )
        else:
            self.account = account

    async def _refuse(self, code: int, reason: str, message: str) -> None:
        self.closed = True
        await self._send(p.error_frame(reason, message))
        await self.close(code)

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, ensure_ascii=False))

    @property
    def visitor_ip(self) -> str | None:
        client = self.scope.get("client")
        return str(client[0]) if client else None

    # Client frames ---------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closed or self.account is None:
            return
        try:
            frame = p.parse_client_frame(text_data, bytes_data)
            await self._handle(frame)
        except p.ProtocolError as exc:
            await self._send(p.error_from(exc))
        except Exception:
            logger.exception("chat socket failed on a client frame")
            await self._fail()

    async def _handle(self, frame: p.ClientFrame) -> None:
        await self._seen_if_due()
        if isinstance(frame, p.Ping):
            await self._send(p.pong_frame())
            await self._sweep_if_due()
        elif isinstance(frame, p.Hello):
            await self._hello(frame)
        elif not self.hello_done:
            raise p.ProtocolError("bad_frame", "say hello first")
        elif isinstance(frame, p.Start):
            await self._start(frame)
        elif isinstance(frame, p.LeaveMessage):
            await self._leave(frame)
        elif self.session_id is None:
            client_id = getattr(frame, "client_id", None)
            raise p.ProtocolError("no_session", "start a chat first", client_id=client_id)
        elif isinstance(frame, p.Say):
            ack = await self._call(
                calls.message_receive,
                client_id=frame.client_id,
                session_id=self.session_id,
                text=frame.text,
                attachments=frame.attachments,
            )
            await self._send(p.ack_frame(**ack))
        elif isinstance(frame, p.Typing | p.Read):
            await self._call(calls.visitor_signal, session_id=self.session_id, frame=frame)
        elif isinstance(frame, p.End):
            await self._call(calls.end_by_visitor, session_id=self.session_id)

    async def _call(
        self, fn: Callable[..., Any], *, client_id: str | None = None, **kw: Any
    ) -> Any:
        """Run a session call in a worker thread; a service's refusal becomes an error frame."""
        try:
            if client_id is not None:
                kw["client_id"] = client_id
            return await db(fn)(**kw)
        except calls.RateLimited as exc:
            raise p.ProtocolError(
                "rate_limited", "too many; wait a moment", client_id=client_id,
                retry_after=exc.retry_after,
            ) from None  # fmt: skip
        except VigilError as exc:
            code = GENERIC_CODES.get(exc.code, exc.code)
            raise p.ProtocolError(code, exc.message, client_id=client_id) from None

    async def _hello(self, frame: p.Hello) -> None:
        if self.hello_done:
            raise p.ProtocolError("bad_frame", "hello is sent once per connection")
        assert self.account is not None
        answer = await db(calls.hello)(account=self.account, token=frame.token, locale=frame.locale)
        self.hello_done = True
        if answer.bad_token:
            await self._send(p.error_frame("bad_token", "unknown or expired chat; start anew"))
        await self._send(
            p.welcome_frame(session=answer.session, seq=answer.seq, config=answer.config)
        )
        if answer.session is None:
            await self._send(p.ready_frame(0))
            return
        await self._attach(answer.session["id"], since=frame.since or 0, ready=True)

    async def _start(self, frame: p.Start) -> None:
        assert self.account is not None
        started = await self._call(
            calls.start,
            client_id=frame.client_id,
            account=self.account,
            frame=frame,
            socket_key=self.channel_name,
            visitor_ip=self.visitor_ip,
            current=self.session_id,
        )
        await self._started(started)

    async def _leave(self, frame: p.LeaveMessage) -> None:
        assert self.account is not None
        answer = await self._call(
            calls.leave_message,
            client_id=frame.client_id,
            account=self.account,
            session_id=self.session_id,
            frame=frame,
            visitor_ip=self.visitor_ip,
        )
        if "token" in answer:
            await self._started(answer)
        else:
            await self._send(p.ack_frame(**answer))

    async def _started(self, started: dict[str, Any]) -> None:
        await self._send(p.started_frame(token=started["token"], session=started["session"]))
        await self._send(p.ack_frame(**started["ack"]))
        if started["session"]["id"] != self.session_id:
            await self._attach(started["session"]["id"], since=0, ready=False)
        else:
            await self._catch_up()

    # Stream and resync ---------------------------------------------------------------------

    async def _attach(self, session_id: int, *, since: int, ready: bool) -> None:
        """Follow a session: join its groups, then send what the visitor has not seen."""
        if self.session_id is not None and self.session_id != session_id:
            await self._leave_groups()
        self.session_id = session_id
        self.seen_marked = float("-inf")
        await self._seen_if_due()
        await self._join()
        resync = await db(calls.resync)(session_id=session_id, since=since)
        await self._send_resync(resync, ready=ready)
        queue = await db(calls.queue_frame)(session_id=session_id)
        if queue is not None:
            await self._send(queue)

    async def _join(self) -> None:
        assert self.session_id is not None
        for group in (stream_group(chat_stream(self.session_id)), f"chatlive.{self.session_id}"):
            await self.channel_layer.group_add(group, self.channel_name)
            if group not in self.groups:
                self.groups.append(group)

    async def _leave_groups(self) -> None:
        for group in list(self.groups):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups.clear()
        self.last_seq = None

    async def _send_resync(self, resync: calls.ChatResync, *, ready: bool) -> None:
        for frame in resync.frames:
            await self._send(frame)
        if resync.reset:
            await self._send(p.reset_frame(resync.seq))
        elif ready:
            await self._send(p.ready_frame(resync.seq))
        self.last_seq = resync.seq

    async def _catch_up(self) -> None:
        assert self.session_id is not None and self.last_seq is not None
        resync = await db(calls.resync)(session_id=self.session_id, since=self.last_seq)
        await self._send_resync(resync, ready=False)

    async def _seen_if_due(self) -> None:
        """Tell the session its visitor is here, at most every `seen_every` seconds: at once
        when the socket attaches, else noted and written with the process's other sockets'
        marks (chat/seen.py)."""
        if self.session_id is None or time.monotonic() - self.seen_marked < self.seen_every:
            return
        first = self.seen_marked == float("-inf")
        self.seen_marked = time.monotonic()
        if first:
            await db(calls.visitor_seen)(session_id=self.session_id)
        else:
            visitor_noted(self.session_id)

    async def _sweep_if_due(self) -> None:
        if self.last_seq is None or time.monotonic() - self.checked_at < self.sweep_every:
            return
        self.checked_at = time.monotonic()
        await self._join()
        await self._catch_up()

    async def _fail(self) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self._send(p.error_frame("internal", "server error; reconnect to resync"))
            await self.close(CLOSE_INTERNAL)

    # Channel-layer messages -------------------------------------------------------------------

    async def stream_event(self, message: dict[str, Any]) -> None:
        if self.closed or self.session_id is None or self.last_seq is None:
            return  # not following yet: the log read that comes covers it
        if message.get("stream") != chat_stream(self.session_id):
            return
        seq = message.get("seq")
        if not isinstance(seq, int) or seq <= self.last_seq:
            return
        try:
            if seq > self.last_seq + 1:
                await self._catch_up()
                if seq != self.last_seq + 1:
                    return
            await self._send(p.event_frame(message))
            self.last_seq = seq
        except Exception:
            logger.exception("chat socket failed on a live event")
            await self._fail()

    async def chat_frame(self, message: dict[str, Any]) -> None:
        """A transient frame for the visitor (queue position, agent typing, read)."""
        frame = message.get("frame")
        if not self.closed and isinstance(frame, dict):
            await self._send(frame)
