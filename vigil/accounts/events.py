"""Events of the accounts app."""

from __future__ import annotations

import dataclasses

from vigil.core.events import DomainEvent, register


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class AgentPresenceChanged(DomainEvent):
    type = "agent.presence_changed"
    agent_id: int
    presence: str
    reason: str = ""
