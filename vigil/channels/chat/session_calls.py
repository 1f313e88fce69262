"""The chat socket's synchronous half: each call loads what a frame names, checks the rate
limits and calls one service or selector, returning plain data for the frames.

See docs/architecture.md#live-chat. Consumers run these in a worker thread
(database_sync_to_async); keeping them here keeps consumers.py free of the ORM.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from vigil.channels.chat import protocol as p
from vigil.channels.chat.events import chat_stream
from vigil.channels.chat.limits import chat_limits, rate_key, rates_hit
from vigil.channels.chat.origins import origin_allowed
from vigil.channels.chat.selectors import (
    chat_account_by_key,
    chat_config,
    chat_session_by_token,
    chat_session_view,
    chat_transcript,
)
from vigil.channels.chat.services import (
    Ack,
    FirstContact,
    Started,
    agent_frame_send,
    chat_end,
    chat_leave_message,
    chat_message_receive,
    chat_read,
    chat_start,
    chat_start_check,
    chat_visitors_seen,
)
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.core.errors import NotFound
from vigil.core.prepared import Prepared
from vigil.realtime.selectors import Listener, stream_resync

logger = logging.getLogger(__name__)

EVERYONE = Listener(agent_id=0, team_ids=None)


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


def _limit(checks: list[tuple[str, str, Any]]) -> None:
    wait = rates_hit(checks=checks)
    if wait is not None:
        raise RateLimited(wait)


# Every frame of a chat socket starts here: compiled once (vigil/core/prepared.py). The
# ticket's customer and assignee come along: the ingestion checks the one and the desk event
# names the other, each otherwise a query of its own.
_SESSION = Prepared(
    lambda pk: ChatSession.objects.select_related(
        "account", "ticket__customer", "ticket__assignee", "agent"
    ).filter(pk=pk)
)


def _session(session_id: int) -> ChatSession:
    session = _SESSION.first(session_id)
    if session is None:
        raise NotFound("the chat is gone", code="no_session")
    return session


def widget_for_socket(
    *, key: str, origin: str | None, host: str | None
) -> tuple[ChannelAccount | None, bool]:
    account = chat_account_by_key(key)
    if account is None:
        return None, False
    return account, origin_allowed(account=account, origin=origin, host=host)


@dataclass(frozen=True, slots=True)
class HelloAnswer:
    session: dict[str, Any] | None
    seq: int
    config: dict[str, Any]
    bad_token: bool = False


def hello(*, account: ChannelAccount, token: str | None, locale: str) -> HelloAnswer:
    config = chat_config(account, locale=locale)
    if not token:
        return HelloAnswer(session=None, seq=0, config=config)
    session = chat_session_by_token(account=account, token=token)
    if session is None:
        return HelloAnswer(session=None, seq=0, config=config, bad_token=True)
    from vigil.core.selectors import stream_last_seq

    seq = stream_last_seq(stream=chat_stream(session.pk))
    return HelloAnswer(session=chat_session_view(session), seq=seq, config=config)


def _started(started: Started) -> dict[str, Any]:
    return {
        "token": started.token,
        "session": chat_session_view(started.session),
        "ack": _ack(started.ack),
    }


def _ack(ack: Ack) -> dict[str, Any]:
    return {"client_id": ack.client_id, "message_id": ack.message_id, "seq": ack.seq}


def start(
    *,
    account: ChannelAccount,
    frame: p.Start,
    client_id: str,
    socket_key: str,
    visitor_ip: str | None,
    current: int | None,
) -> dict[str, Any]:
    if frame.attachments:
        raise p.ProtocolError(
            "bad_attachment", "attach files after the chat has started", client_id=client_id
        )
    chat_start_check(
        account=account, text=frame.text, language=frame.language, category=frame.category
    )
    limits = chat_limits(account.settings)
    _limit(
        [
            ("start-ip", f"{account.address}:{visitor_ip}", limits.starts_per_ip),
            ("start-socket", socket_key, limits.starts_per_socket),
        ]
    )
    started = chat_start(
        account=account,
        client_id=client_id,
        text=frame.text,
        language=frame.language,
        category=frame.category,
        email=frame.email,
        uid=frame.uid,
        name=frame.name,
        visitor_ip=visitor_ip,
    )
    return _started(started)


def message_receive(
    *, session_id: int, client_id: str, text: str, attachments: tuple[int, ...]
) -> dict[str, Any]:
    session = _session(session_id)
    limits = chat_limits(session.account.settings)
    _limit(
        [
            ("messages", rate_key(session), limits.messages_burst),
            ("messages", rate_key(session), limits.messages_hour),
        ]
    )
    ack = chat_message_receive(
        session=session, client_id=client_id, text=text, attachments=attachments
    )
    return _ack(ack)


def leave_message(
    *,
    account: ChannelAccount,
    session_id: int | None,
    client_id: str,
    frame: p.LeaveMessage,
    visitor_ip: str | None,
) -> dict[str, Any]:
    session = _session(session_id) if session_id is not None else None
    limits = chat_limits(account.settings)
    if session is None:
        _limit([("start-ip", f"{account.address}:{visitor_ip}", limits.starts_per_ip)])
    else:
        _limit([("messages", rate_key(session), limits.messages_burst)])
    answer = chat_leave_message(
        account=account,
        session=session,
        client_id=client_id,
        email=frame.email,
        text=frame.text,
        visitor_ip=visitor_ip,
        first=FirstContact(
            language=frame.language, category=frame.category, uid=frame.uid, name=frame.name
        ),
    )
    return _started(answer) if isinstance(answer, Started) else _ack(answer)


def visitor_signal(*, session_id: int, frame: p.Typing | p.Read) -> None:
    """Typing and read: the agent of the chat hears them on their desk sockets."""
    session = _session(session_id)
    limits = chat_limits(session.account.settings)
    _limit([("typing", rate_key(session), limits.typing_per_session)])
    if isinstance(frame, p.Read):
        if not chat_read(session=session, seq=frame.seq):
            return
        out: dict[str, Any] = {"type": "chat_read", "session": session.pk, "seq": frame.seq}
    else:
        out = {"type": "chat_typing", "session": session.pk, "on": frame.on}
    if session.agent_id:
        agent_frame_send(agent_id=session.agent_id, frame=out)


def end_by_visitor(*, session_id: int) -> None:
    chat_end(session=_session(session_id), by="customer")


@dataclass(frozen=True, slots=True)
class ChatResync:
    seq: int
    reset: bool = False
    frames: list[dict[str, Any]] = field(default_factory=list)


def resync(*, session_id: int, since: int) -> ChatResync:
    """What a visitor who has seen `since` must receive: the events after it, or (when the
    log no longer has them) the whole transcript followed by a reset."""
    found = stream_resync(stream=chat_stream(session_id), since=since, listener=EVERYONE)
    if not found.reset:
        return ChatResync(seq=found.seq, frames=[p.event_frame(m) for m in found.events])
    transcript = chat_transcript(_session(session_id))
    return ChatResync(seq=found.seq, reset=True, frames=[p.transcript_frame(m) for m in transcript])


def visitor_seen(*, session_id: int) -> None:
    chat_visitors_seen(session_ids=[session_id])


def queue_frame(*, session_id: int) -> dict[str, Any] | None:
    """The queue frame (position, expected wait) while the chat waits for an agent."""
    session = _session(session_id)
    if session.state != ChatSession.State.WAITING:
        return None
    from vigil.routing.chat_queue import chat_queue_status

    frame: dict[str, Any] = chat_queue_status(session=session, remember=True)
    return frame
