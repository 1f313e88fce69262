"""Events of the routing app. See docs/architecture.md#offering-chats-to-agents.

Chat offers are private to one agent: the audience is (team 0, the agent). No team has id 0,
so only that agent and the desk-wide roles (supervisors, admins) receive them.
"""

from __future__ import annotations

import dataclasses

from vigil.core.events import DomainEvent, register

PRIVATE = 0  # the "team" of an event meant for one agent only


@dataclasses.dataclass(frozen=True, kw_only=True)
class _ChatAgentEvent(DomainEvent):
    session_id: int
    ticket_id: int
    agent_id: int

    def audience(self) -> tuple[int | None, int | None]:
        return (PRIVATE, self.agent_id)


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatOffered(_ChatAgentEvent):
    """A waiting chat is offered to `agent_id` until `expires_at` (ISO 8601)."""

    type = "chat.offered"
    language: str
    category: str
    expires_at: str
    preview: str


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatOfferWithdrawn(_ChatAgentEvent):
    """The offer to `agent_id` is over: accepted, declined, expired, or the visitor left."""

    type = "chat.offer_withdrawn"
    reason: str  # accepted | declined | expired | ended


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class ChatHandedOver(_ChatAgentEvent):
    """A chat changed hands: `agent_id` took it over (accepted or was given it) or lost it
    (transferred away, ended); the agent's Chats panel reloads."""

    type = "chat.changed"
    change: str  # accepted | transferred_in | transferred_out | ended
