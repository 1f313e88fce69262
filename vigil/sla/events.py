"""Events of the SLA app: warnings, breaches, coverage gaps. See docs/architecture.md#slas."""

from __future__ import annotations

import dataclasses
from typing import Any

from vigil.core.events import DomainEvent, register


@dataclasses.dataclass(frozen=True, kw_only=True)
class _SlaEvent(DomainEvent):
    ticket_id: int
    team_id: int | None
    assignee_id: int | None
    ticket: dict[str, Any]
    target: str  # TargetKind
    due_at: str  # ISO 8601

    def audience(self) -> tuple[int | None, int | None]:
        return (self.team_id, self.assignee_id)


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class SlaWarning(_SlaEvent):
    """A target is close to its due time (warn_percent / warn_minutes of its policy)."""

    type = "sla.warning"


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class SlaBreached(_SlaEvent):
    """A target passed its due time; `actions` lists the escalation that ran."""

    type = "sla.breached"
    actions: list[str]


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class CoverageGap(DomainEvent):
    """Nobody who speaks `language` is on shift from `starts_at` to `ends_at` (ISO 8601)."""

    type = "coverage.gap"
    language: str
    starts_at: str
    ends_at: str
