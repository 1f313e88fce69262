"""Events of a live chat, on the stream "chat:<session id>". See docs/architecture.md#live-chat.

The visitor's widget hears them (with their sequence numbers) and resumes by them. The wire
names drop the "chat." prefix ("chat.message" is sent as "message").
"""

from __future__ import annotations

import dataclasses
from typing import Any

from vigil.core.events import DomainEvent, register


def chat_stream(session_id: int) -> str:
    return f"chat:{session_id}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class _ChatEvent(DomainEvent):
    session_id: int

    def stream_name(self) -> str:
        return chat_stream(self.session_id)

    def payload(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        del data["session_id"]
        return data


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatMessage(_ChatEvent):
    """A message the visitor sees: theirs (acknowledged), an agent's reply, a system line."""

    type = "chat.message"
    id: int
    client_id: str | None
    author: str  # customer | agent | system
    agent_name: str | None
    text: str
    attachments: list[dict[str, Any]]
    at: str


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatAgentJoined(_ChatEvent):
    type = "chat.agent_joined"
    agent_name: str


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatTransferred(_ChatEvent):
    type = "chat.transferred"
    agent_name: str | None
    team: str | None


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatEnded(_ChatEvent):
    type = "chat.ended"
    by: str  # agent | customer | system
    transcript_to: str | None


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatLeftMessage(_ChatEvent):
    type = "chat.left_message"
    ticket: str
    email: str
