"""The desk socket's wire protocol: client frames parsed, server frames built.

See docs/architecture.md#real-time. Pure functions, no I/O.

client → server                          server → client
  {"type": "hello", "since": N|null}       {"type": "event", "seq", "event", "payload", "at"}
  {"type": "ping"}                         {"type": "ready", "seq"}  (backlog sent, now live)
                                           {"type": "reset", "seq"}  (reload state, now live)
                                           {"type": "pong"}
                                           {"type": "error", "code", "message"}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_FRAME_CHARS = 4096


class ProtocolError(Exception):
    """A client frame the server cannot act on; answered with an error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Hello:
    since: int | None


@dataclass(frozen=True, slots=True)
class Ping:
    pass


ClientFrame = Hello | Ping


def json_frame(
    text: str | None, *, max_chars: int = MAX_FRAME_CHARS, binary_code: str = "binary_frame"
) -> dict[str, Any]:
    """A client's text frame as a JSON object with a string "type" (also for the chat socket)."""
    if text is None:
        raise ProtocolError(binary_code, "frames are JSON text")
    if len(text) > max_chars:
        raise ProtocolError("frame_too_large", f"frames are at most {max_chars} characters")
    try:
        content = json.loads(text)
    except ValueError:
        raise ProtocolError("bad_json", "the frame is not valid JSON") from None
    if not isinstance(content, dict) or not isinstance(content.get("type"), str):
        raise ProtocolError("bad_frame", 'a frame is a JSON object with a string "type"')
    return content


def parse_client_frame(text: str | None, data: bytes | None = None) -> ClientFrame:
    content = json_frame(text)
    kind = content["type"]
    if kind == "ping":
        return Ping()
    if kind == "hello":
        return Hello(since=_since(content.get("since")))
    raise ProtocolError("unknown_type", f"unknown frame type {kind[:40]!r}")


def _since(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProtocolError("bad_since", '"since" is null or a sequence number (an integer >= 0)')
    return value


def event_name(message: dict[str, Any]) -> str:
    """The event type of a stored event's wire form (core.services.event_message)."""
    return str(message["event"])


def event_frame(message: dict[str, Any]) -> dict[str, Any]:
    """An event frame from the wire form of a stored event."""
    return {
        "type": "event",
        "seq": message["seq"],
        "event": event_name(message),
        "payload": message["payload"],
        "at": message["at"],
    }


def ready_frame(seq: int) -> dict[str, Any]:
    return {"type": "ready", "seq": seq}


def reset_frame(seq: int) -> dict[str, Any]:
    return {"type": "reset", "seq": seq}


def pong_frame() -> dict[str, Any]:
    return {"type": "pong"}


def error_frame(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}
