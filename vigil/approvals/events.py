"""Events of sensitive actions: the approvals queue and the ticket page update live.

See docs/architecture.md#sensitive-actions-and-approvals.
"""

from __future__ import annotations

import dataclasses

from vigil.core.events import DomainEvent, register


@register
@dataclasses.dataclass(frozen=True, kw_only=True)
class ActionUpdated(DomainEvent):
    """A sensitive action was requested, approved, refused, executed, failed or expired.
    Every agent on the desk hears it (anyone may be the approver the queue is waiting for)."""

    type = "action.updated"
    action_id: int
    ticket_id: int
    kind: str
    status: str
    step: str  # requested, approved, refused, executed, rejected, failed, expired
    uid: str
    requested_by_id: int
    decided_by_id: int | None
