"""The breach scan: warn before a target's due time, escalate when it passes. See
docs/architecture.md#slas.

Each warning and each breach is claimed with a conditional UPDATE (warned_at / breached_at
still null), so with several workers, or a scan run twice, each happens once. The scan reads
the partial indexes on TicketSla.warn_at and due_at: its cost is the number of targets due,
not the number of tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from vigil.accounts.models import Team
from vigil.core.events import publish_on_commit
from vigil.sla.events import SlaBreached, SlaWarning
from vigil.sla.models import TicketSla
from vigil.sla.selectors import policy_by_id
from vigil.sla.services.targets import sla_ticket_refresh
from vigil.tickets.choices import ActivityKind, Priority
from vigil.tickets.models import Ticket
from vigil.tickets.services import activity_add, ticket_summary, ticket_update

SCAN_BATCH = 500
ACTIVITY_KIND = ActivityKind.SLA


@dataclass(frozen=True, slots=True)
class ScanResult:
    warned: int
    breached: int


def _open_running() -> QuerySet[TicketSla]:
    return TicketSla.objects.filter(
        met_at__isnull=True, cancelled_at__isnull=True, breached_at__isnull=True
    )


def sla_scan(*, now: datetime | None = None, batch: int = SCAN_BATCH) -> ScanResult:
    """Warn about targets past their warning time and escalate those past their due time."""
    now = now or timezone.now()
    warn_ids = list(
        _open_running()
        .filter(warned_at__isnull=True, warn_at__lte=now)
        .order_by("warn_at")
        .values_list("pk", flat=True)[:batch]
    )
    warned = sum(_warn(pk, now) for pk in warn_ids)
    due_ids = list(
        _open_running()
        .filter(due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
    )
    breached = sum(_breach(pk, now) for pk in due_ids)
    return ScanResult(warned=warned, breached=breached)


def _claim(pk: int, now: datetime, field: str) -> TicketSla | None:
    claimed = _open_running().filter(pk=pk, **{f"{field}__isnull": True}).update(**{field: now})
    if not claimed:
        return None
    return TicketSla.objects.select_related(
        "ticket__customer", "ticket__team", "ticket__assignee"
    ).get(pk=pk)


def _warn(pk: int, now: datetime) -> int:
    with transaction.atomic():
        target = _claim(pk, now, "warned_at")
        if target is None:
            return 0
        ticket = target.ticket
        due = target.due_at.isoformat() if target.due_at else ""
        data = {"event": "warning", "target": target.kind, "due_at": due}
        activity_add(ticket=ticket, kind=ACTIVITY_KIND, data=data)
        sla_ticket_refresh(ticket=ticket)
        publish_on_commit(
            SlaWarning(
                ticket_id=ticket.pk,
                team_id=ticket.team_id,
                assignee_id=ticket.assignee_id,
                ticket=ticket_summary(ticket),
                target=target.kind,
                due_at=due,
            )
        )
    return 1


def _breach(pk: int, now: datetime) -> int:
    with transaction.atomic():
        target = _claim(pk, now, "breached_at")
        if target is None:
            return 0
        ticket = target.ticket
        # The event goes to whoever held the ticket when it breached, then the escalation.
        audience = (ticket.team_id, ticket.assignee_id)
        actions = _escalate(ticket, target)
        due = target.due_at.isoformat() if target.due_at else ""
        data = {"event": "breached", "target": target.kind, "due_at": due, "actions": actions}
        activity_add(ticket=ticket, kind=ACTIVITY_KIND, data=data)
        sla_ticket_refresh(ticket=ticket)
        publish_on_commit(
            SlaBreached(
                ticket_id=ticket.pk,
                team_id=audience[0],
                assignee_id=audience[1],
                ticket=ticket_summary(ticket),
                target=target.kind,
                due_at=due,
                actions=actions,
            )
        )
    return 1


def _escalate(ticket: Ticket, target: TicketSla) -> list[str]:
    """Run the policy's escalation; returns what was done ("notify" always: the event)."""
    actions = ["notify"]
    policy = policy_by_id(target.policy_id)
    if policy is None:
        return actions
    changes: dict[str, Any] = {}
    if policy.escalate_raise_priority and ticket.priority < Priority.URGENT:
        changes["priority"] = ticket.priority + 1
        actions.append("raise_priority")
    team_id = policy.escalate_team_id
    team = None
    if team_id is not None and team_id != ticket.team_id:
        team = Team.objects.filter(pk=team_id).first()
    if team is not None:
        changes["team"] = team
        actions.append("reassign_team")
    if (team is not None or policy.escalate_unassign) and ticket.assignee_id is not None:
        changes["assignee"] = None  # back to the (new) team's queue
        actions.append("unassign")
    if changes:
        ticket_update(ticket=ticket, actor=None, **changes)
    return actions
