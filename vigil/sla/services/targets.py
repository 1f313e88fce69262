"""Per-ticket SLA targets, kept in step with the ticket in the transaction of the event that
changes them. See docs/architecture.md#slas.

Tickets call in with one line each: `sla_message_received` (ingestion: ticket opened, or a
customer message: the next response starts), `sla_reply_recorded` (an agent's reply meets
the first / next response), `sla_status_changed` (pause while waiting on the customer,
resume, resolution met on solve), `sla_priority_changed` (the targets follow the policy of
the new priority). Each keeps Ticket.sla_due_at / sla_state current; the hooks called before
the ticket is saved return the field names to save with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from vigil.core.services import row_update, rows_insert
from vigil.sla.choices import SlaState, TargetKind
from vigil.sla.clock import ALWAYS, BusinessCalendar, add_business_time, business_time_between
from vigil.sla.models import TicketSla
from vigil.sla.selectors import PolicyView, open_targets, policy_by_id, policy_for, unmet_targets

if TYPE_CHECKING:
    from vigil.tickets.models import Message, Ticket

PAUSED_STATUSES = frozenset({"pending", "on_hold"})
SLA_FIELDS = ["sla_due_at", "sla_state"]
RESPONSES = (TargetKind.FIRST_RESPONSE, TargetKind.NEXT_RESPONSE)


def is_automatic(message: Message) -> bool:
    """Bot and automatic messages (acknowledgements, auto-replies, notices) never count."""
    return bool((message.metadata or {}).get("automatic"))


def _calendar(target: TicketSla) -> BusinessCalendar:
    policy = policy_by_id(target.policy_id)
    return policy.calendar if policy else ALWAYS


def _warn_at(
    policy: PolicyView | None, start: datetime, minutes: int, cal: BusinessCalendar
) -> datetime:
    """When the warning is due: `warn_minutes` before the due time, else `warn_percent`
    of the target's business time after `start`."""
    lead: float
    if policy is not None and policy.warn_minutes is not None:
        lead = max(minutes - policy.warn_minutes, 0)
    else:
        lead = minutes * (policy.warn_percent if policy else 80) / 100
    return add_business_time(start, timedelta(minutes=lead), cal)


def _new_target(*, ticket: Ticket, policy: PolicyView, kind: str, at: datetime) -> TicketSla | None:
    minutes = policy.minutes.get(kind)
    if minutes is None:
        return None
    target = TicketSla(
        ticket_id=ticket.pk,
        policy_id=policy.id,
        kind=kind,
        target_minutes=minutes,
        started_at=at,
        due_at=add_business_time(at, timedelta(minutes=minutes), policy.calendar),
        warn_at=_warn_at(policy, at, minutes, policy.calendar),
    )
    if ticket.status in PAUSED_STATUSES:
        _pause(target, at)
    return target


def summarize(targets: Iterable[TicketSla]) -> tuple[datetime | None, str]:
    """(sla_due_at, sla_state) of a ticket from its targets."""
    live = [t for t in targets if t.is_open]
    if not live:
        return None, SlaState.NONE
    running = [t for t in live if t.due_at is not None]
    if not running:
        return None, SlaState.PAUSED
    due = min(t.due_at for t in running if t.due_at is not None)
    if any(t.breached_at for t in running):
        return due, SlaState.BREACHED
    if any(t.warned_at for t in running):
        return due, SlaState.WARNING
    return due, SlaState.OK


def _apply(ticket: Ticket, targets: Sequence[TicketSla]) -> list[str]:
    """Set the ticket's SLA fields from its open targets; the names of those that changed."""
    due, state = summarize(targets)
    if (ticket.sla_due_at, ticket.sla_state) == (due, state):
        return []
    ticket.sla_due_at, ticket.sla_state = due, state
    return list(SLA_FIELDS)


def _save(targets: Iterable[TicketSla], fields: Sequence[str]) -> None:
    for target in targets:
        row_update(target, fields)


def _ticket_save(ticket: Ticket, fields: list[str]) -> None:
    if fields:
        row_update(ticket, fields)


# --- hooks --------------------------------------------------------------------------------


def sla_message_received(*, ticket: Ticket, message: Message, created: bool) -> list[str]:
    """A customer's message was stored (called by ingestion, in its transaction). A new
    ticket gets its first-response and resolution targets; a message on a ticket that has no
    response pending starts a next-response target. Returns the ticket's SLA fields that
    changed, for ingestion to save with the rest of the ticket."""
    if is_automatic(message):
        return []
    at = message.created_at
    policy = policy_for(priority=ticket.priority, channel=ticket.channel)
    if created:
        if policy is None:
            return []
        kinds = (TargetKind.FIRST_RESPONSE, TargetKind.RESOLUTION)
        made = [_new_target(ticket=ticket, policy=policy, kind=k, at=at) for k in kinds]
        rows = [t for t in made if t is not None]
        if rows:
            rows_insert(rows)
        return _apply(ticket, rows)
    targets = open_targets(ticket_id=ticket.pk)
    if policy is not None and not any(t.kind in RESPONSES for t in targets):
        target = _new_target(ticket=ticket, policy=policy, kind=TargetKind.NEXT_RESPONSE, at=at)
        if target is not None:
            rows_insert([target])
            targets.append(target)
    return _apply(ticket, targets)


def sla_reply_recorded(*, ticket: Ticket, message: Message) -> list[str]:
    """An agent's public reply: meets the open first / next response targets. Automatic
    messages and notes do not. Returns the ticket fields to save."""
    if message.direction != "outbound" or is_automatic(message):
        return []
    # A reply that also solves the ticket: its status change (applied first) cancelled the
    # responses this very reply meets, so those count as met too.
    targets = [
        t
        for t in unmet_targets(ticket_id=ticket.pk)
        if t.cancelled_at is None or t.cancelled_at >= message.created_at
    ]
    met = [t for t in targets if t.kind in RESPONSES]
    for target in met:
        target.met_at, target.cancelled_at = message.created_at, None
    _save(met, ["met_at", "cancelled_at"])
    return _apply(ticket, [t for t in targets if t.is_open])


def _pause(target: TicketSla, at: datetime) -> None:
    if target.due_at is None:
        return
    left = business_time_between(at, target.due_at, _calendar(target))
    target.remaining_seconds = max(int(left.total_seconds()), 0)
    target.paused_at, target.due_at, target.warn_at = at, None, None


def _resume(target: TicketSla, at: datetime) -> None:
    if target.paused_at is None:
        return
    cal = _calendar(target)
    policy = policy_by_id(target.policy_id)
    left = timedelta(seconds=target.remaining_seconds or 0)
    target.due_at = add_business_time(at, left, cal)
    total = timedelta(minutes=target.target_minutes)
    if policy is not None and policy.warn_minutes is not None:
        warn_left = left - timedelta(minutes=policy.warn_minutes)
    else:
        pct = policy.warn_percent if policy else 80
        warn_left = left - total * (100 - pct) / 100
    target.warn_at = add_business_time(at, max(warn_left, timedelta(0)), cal)
    target.paused_seconds += int((at - target.paused_at).total_seconds())
    target.paused_at, target.remaining_seconds = None, None


def sla_status_changed(*, ticket: Ticket, before: str) -> list[str]:
    """The ticket's status changed from `before` (called by apply_status): waiting on the
    customer pauses the clocks, leaving it resumes them, solved meets the resolution and
    cancels unanswered responses, reopening starts a new resolution target. Returns the
    ticket fields to save."""
    after = ticket.status
    if ticket.pk is None or before == after:
        return []
    now = timezone.now()
    targets = open_targets(ticket_id=ticket.pk)
    changed: list[TicketSla] = []
    if after in ("solved", "closed"):
        for t in targets:
            if t.kind == TargetKind.RESOLUTION:
                t.met_at = now
            else:
                t.cancelled_at = now
        changed = targets
    elif after in PAUSED_STATUSES and before not in PAUSED_STATUSES:
        for t in targets:
            _pause(t, now)
        changed = targets
    elif before in PAUSED_STATUSES and after not in PAUSED_STATUSES:
        for t in targets:
            _resume(t, now)
        changed = targets
    fields = [
        "met_at", "cancelled_at", "due_at", "warn_at", "paused_at",
        "remaining_seconds", "paused_seconds",
    ]  # fmt: skip
    _save(changed, fields)
    if before == "solved" and after == "open":
        policy = policy_for(priority=ticket.priority, channel=ticket.channel)
        if policy is not None:
            target = _new_target(ticket=ticket, policy=policy, kind=TargetKind.RESOLUTION, at=now)
            if target is not None:
                rows_insert([target])
                targets.append(target)
    return _apply(ticket, [t for t in targets if t.is_open])


def sla_priority_changed(*, ticket: Ticket) -> list[str]:
    """The priority changed: open targets take the new policy's minutes, keeping the
    business time already used. Breached targets stay as they are."""
    policy = policy_for(priority=ticket.priority, channel=ticket.channel)
    if policy is None:
        return []
    now = timezone.now()
    targets = open_targets(ticket_id=ticket.pk)
    changed = []
    for t in targets:
        minutes = policy.minutes.get(t.kind)
        if minutes is None or t.breached_at is not None or minutes == t.target_minutes:
            continue
        delta = timedelta(minutes=minutes - t.target_minutes)
        t.target_minutes, t.policy_id = minutes, policy.id
        if t.due_at is None:
            t.remaining_seconds = max(int((t.remaining_seconds or 0) + delta.total_seconds()), 0)
        else:
            left = business_time_between(now, t.due_at, policy.calendar) + delta
            t.due_at = add_business_time(now, max(left, timedelta(0)), policy.calendar)
            start = t.started_at + timedelta(seconds=t.paused_seconds)
            t.warn_at = min(_warn_at(policy, start, minutes, policy.calendar), t.due_at)
        changed.append(t)
    _save(changed, ["target_minutes", "policy_id", "due_at", "warn_at", "remaining_seconds"])
    return _apply(ticket, targets)


def sla_ticket_refresh(*, ticket: Ticket) -> list[str]:
    """Recompute and save the ticket's SLA fields from its open targets."""
    fields = _apply(ticket, open_targets(ticket_id=ticket.pk))
    _ticket_save(ticket, fields)
    return fields
