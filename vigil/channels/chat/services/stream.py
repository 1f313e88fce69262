"""Chat events and transient frames: stored with the write, broadcast after the commit.

See docs/architecture.md#live-chat.
"""

from __future__ import annotations

from typing import Any

from vigil.core.broadcast import broadcaster
from vigil.core.events import DomainEvent, on_commit
from vigil.core.models import Event
from vigil.core.services import EventDraft, event_broadcast, events_store

# --- events -------------------------------------------------------------------------------


def chat_events_add(*events: DomainEvent) -> list[Event]:
    """Append chat events to their streams inside the caller's transaction (numbers handed
    out under the stream's row lock, so in commit order); broadcast after the commit."""
    drafts = [EventDraft(stream=e.stream_name(), type=e.type, payload=e.payload()) for e in events]
    stored = events_store(drafts=drafts)

    def broadcast() -> None:
        for row, draft in zip(stored, drafts, strict=True):
            event_broadcast(event=row, stream=draft.stream)

    on_commit(broadcast)
    return stored


def chat_frame_send(*, session_id: int, frame: dict[str, Any]) -> None:
    """A transient frame (queue position, agent typing, ...) to the visitor's open sockets,
    verbatim, best effort (nothing is stored)."""
    broadcaster.send(f"chatlive.{session_id}", {"type": "chat.frame", "frame": frame})


def agent_frame_send(*, agent_id: int, frame: dict[str, Any]) -> None:
    """A transient frame (visitor typing, read) to an agent's desk sockets, best effort."""
    broadcaster.send(f"agentlive.{agent_id}", {"type": "desk.frame", "frame": frame})


def dispatch_soon(language: str) -> None:
    """Ask the chat queue (routing/chat_queue.py) to (re)offer waiting chats after the commit."""

    def call() -> None:
        from vigil.routing.chat_queue import chat_dispatch_soon

        chat_dispatch_soon(language=language)

    on_commit(call)
