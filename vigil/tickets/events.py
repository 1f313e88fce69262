"""Events of the tickets app: what the console and integrations hear about tickets."""

from __future__ import annotations

import dataclasses
from typing import Any

from vigil.core.events import DomainEvent, register


@dataclasses.dataclass(frozen=True, kw_only=True)
class _TicketEvent(DomainEvent):
    ticket_id: int
    team_id: int | None
    assignee_id: int | None
    ticket: dict[str, Any]  # the ticket's summary after the change

    def audience(self) -> tuple[int | None, int | None]:
        return (self.team_id, self.assignee_id)


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketCreated(_TicketEvent):
    type = "ticket.created"


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class TicketUpdated(_TicketEvent):
    type = "ticket.updated"
    changes: dict[str, list[Any]]  # field -> [before, after]
    actor_id: int | None


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageAdded(_TicketEvent):
    type = "message.added"
    message_id: int
    direction: str
    channel: str
    preview: str
