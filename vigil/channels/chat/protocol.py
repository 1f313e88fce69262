"""The chat socket's wire protocol: client frames parsed, server frames built.

See docs/architecture.md#live-chat (the frames are listed there). Pure functions, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vigil.realtime.protocol import ProtocolError as DeskProtocolError
from vigil.realtime.protocol import json_frame

# The desk socket's frames, the same on this socket (re-exported for the chat consumer).
from vigil.realtime.protocol import pong_frame as pong_frame
from vigil.realtime.protocol import ready_frame as ready_frame
from vigil.realtime.protocol import reset_frame as reset_frame

MAX_FRAME_CHARS = 16 * 1024
MAX_CLIENT_ID = 100
EVENT_PREFIX = "chat."  # stored event types are "chat.message", ...; the wire says "message"


class ProtocolError(Exception):
    """A client frame the server cannot act on; answered with an error frame."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        client_id: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.client_id = client_id
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Hello:
    token: str | None
    since: int | None
    locale: str


@dataclass(frozen=True, slots=True)
class Start:
    client_id: str
    language: str
    category: str
    text: str
    email: str
    uid: str
    name: str
    attachments: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Say:
    client_id: str
    text: str
    attachments: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Typing:
    on: bool


@dataclass(frozen=True, slots=True)
class Read:
    seq: int


@dataclass(frozen=True, slots=True)
class LeaveMessage:
    client_id: str
    email: str
    text: str
    # Used only when no chat was open yet (the pre-chat form went straight to "leave a message").
    language: str = ""
    category: str = ""
    uid: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class End:
    pass


@dataclass(frozen=True, slots=True)
class Ping:
    pass


ClientFrame = Hello | Start | Say | Typing | Read | LeaveMessage | End | Ping


def parse_client_frame(text: str | None, data: bytes | None = None) -> ClientFrame:
    try:
        content = json_frame(text, max_chars=MAX_FRAME_CHARS, binary_code="bad_frame")
    except DeskProtocolError as exc:
        raise ProtocolError(exc.code, exc.message) from None
    parser = _PARSERS.get(content["type"])
    if parser is None:
        raise ProtocolError("unknown_type", f"unknown frame type {content['type'][:40]!r}")
    return parser(content)


def _str(content: dict[str, Any], key: str, *, required: bool = False, limit: int = 0) -> str:
    value = content.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ProtocolError("bad_frame", f'"{key}" must be a non-empty string')
    if limit and len(value) > limit:
        raise ProtocolError("bad_frame", f'"{key}" is longer than {limit} characters')
    return value


def _int(content: dict[str, Any], key: str, *, nullable: bool) -> int | None:
    value = content.get(key)
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProtocolError("bad_frame", f'"{key}" must be an integer >= 0')
    return value


def _client_id(content: dict[str, Any]) -> str:
    return _str(content, "client_id", required=True, limit=MAX_CLIENT_ID)


def _attachments(content: dict[str, Any], client_id: str) -> tuple[int, ...]:
    value = content.get("attachments") or []
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ProtocolError(
            "bad_attachment", '"attachments" is a list of upload ids', client_id=client_id
        )
    return tuple(dict.fromkeys(value))


def _hello(content: dict[str, Any]) -> Hello:
    token = content.get("token")
    if token is not None and (not isinstance(token, str) or len(token) > 200):
        raise ProtocolError("bad_token", '"token" is null or the token "started" gave')
    return Hello(
        token=token or None,
        since=_int(content, "since", nullable=True),
        locale=_str(content, "locale", limit=16),
    )


def _start(content: dict[str, Any]) -> Start:
    client_id = _client_id(content)
    return Start(
        client_id=client_id,
        language=_str(content, "language", limit=16),
        category=_str(content, "category", limit=40),
        text=_str(content, "text"),
        email=_str(content, "email", limit=320).strip(),
        uid=_str(content, "uid", limit=100).strip(),
        name=_str(content, "name", limit=200).strip(),
        attachments=_attachments(content, client_id),
    )


def _say(content: dict[str, Any]) -> Say:
    client_id = _client_id(content)
    return Say(
        client_id=client_id,
        text=_str(content, "text"),
        attachments=_attachments(content, client_id),
    )


def _typing(content: dict[str, Any]) -> Typing:
    if not isinstance(content.get("on"), bool):
        raise ProtocolError("bad_frame", '"on" must be true or false')
    return Typing(on=content["on"])


def _read(content: dict[str, Any]) -> Read:
    seq = _int(content, "seq", nullable=False)
    assert seq is not None
    return Read(seq=seq)


def _leave(content: dict[str, Any]) -> LeaveMessage:
    return LeaveMessage(
        client_id=_client_id(content),
        email=_str(content, "email", required=True, limit=320).strip(),
        text=_str(content, "text"),
        language=_str(content, "language", limit=16),
        category=_str(content, "category", limit=40),
        uid=_str(content, "uid", limit=100).strip(),
        name=_str(content, "name", limit=200).strip(),
    )


_PARSERS: dict[str, Any] = {
    "hello": _hello,
    "start": _start,
    "message": _say,
    "typing": _typing,
    "read": _read,
    "leave_message": _leave,
    "end": lambda _: End(),
    "ping": lambda _: Ping(),
}


# --- server frames --------------------------------------------------------------------------


def event_frame(message: dict[str, Any]) -> dict[str, Any]:
    """An event frame from the wire form of a stored event (core.services.event_message)."""
    return {
        "type": "event",
        "seq": message["seq"],
        "event": str(message["event"]).removeprefix(EVENT_PREFIX),
        "payload": message["payload"],
    }


def transcript_frame(payload: dict[str, Any]) -> dict[str, Any]:
    """A message re-sent before a reset (its event is no longer in the log): seq 0."""
    return {"type": "event", "seq": 0, "event": "message", "payload": payload}


def welcome_frame(
    *, session: dict[str, Any] | None, seq: int, config: dict[str, Any]
) -> dict[str, Any]:
    return {"type": "welcome", "session": session, "seq": seq, "config": config}


def started_frame(*, token: str, session: dict[str, Any]) -> dict[str, Any]:
    return {"type": "started", "token": token, "session": session}


def ack_frame(*, client_id: str, message_id: int, seq: int) -> dict[str, Any]:
    return {"type": "ack", "client_id": client_id, "message_id": message_id, "seq": seq}


def error_frame(
    code: str, message: str, *, client_id: str | None = None, retry_after: int | None = None
) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if client_id is not None:
        frame["client_id"] = client_id
    if retry_after is not None:
        frame["retry_after"] = retry_after
    return frame


def error_from(exc: ProtocolError) -> dict[str, Any]:
    return error_frame(exc.code, exc.message, client_id=exc.client_id, retry_after=exc.retry_after)
