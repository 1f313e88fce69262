"""Status, fields and assignment of a ticket. See docs/architecture.md#tickets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from vigil.accounts.models import Agent, Team
from vigil.core.errors import InvalidTransition, ValidationFailed
from vigil.core.languages import normalize_language
from vigil.sla.services.targets import (
    sla_priority_changed,
    sla_status_changed,
)
from vigil.tickets.choices import (
    ActivityKind,
    Category,
    Priority,
    TicketStatus,
)
from vigil.tickets.models import Tag, Ticket
from vigil.tickets.services.common import (
    UNCHANGED,
    _Unchanged,
    activity_add,
    publish_ticket_updated,
)
from vigil.tickets.status import can_transition

# --- status -------------------------------------------------------------------------------


def apply_status(*, ticket: Ticket, status: str, actor: Agent | None) -> list[str]:
    """Move `ticket` to `status` in memory and log it; returns the fields to save.

    The one place a status changes: raises InvalidTransition if the table forbids it.
    """
    if status not in TicketStatus.values:
        choices = ", ".join(TicketStatus.values)
        raise ValidationFailed(f"unknown status {status!r}; one of {choices}")
    if status == ticket.status:
        return []
    if not can_transition(ticket.status, status):
        raise InvalidTransition(f"a {ticket.status} ticket cannot become {status}")
    before = ticket.status
    ticket.status = status
    fields = ["status"]
    if status == TicketStatus.SOLVED:
        ticket.solved_at = timezone.now()
        fields.append("solved_at")
    elif before == TicketStatus.SOLVED and status != TicketStatus.CLOSED:
        ticket.solved_at = None
        fields.append("solved_at")
    activity_add(
        ticket=ticket, kind=ActivityKind.STATUS, actor=actor, data={"from": before, "to": status}
    )
    return fields + sla_status_changed(ticket=ticket, before=before)


def ticket_set_status(*, ticket: Ticket, status: str, actor: Agent | None) -> Ticket:
    return ticket_update(ticket=ticket, actor=actor, status=status)


# --- fields -------------------------------------------------------------------------------


def _tag_names(tags: Iterable[str]) -> list[str]:
    names: list[str] = []
    for raw in tags:
        name = raw.strip().lower().replace(" ", "-")
        if not name:
            continue
        if len(name) > 50:
            raise ValidationFailed(f"tag {raw!r} is longer than 50 characters")
        if name not in names:
            names.append(name)
    return names


def ticket_update(
    *,
    ticket: Ticket,
    actor: Agent | None,
    status: str | None = None,
    priority: int | None = None,
    category: str | None = None,
    language: str | None = None,
    subject: str | None = None,
    tags: Sequence[str] | None = None,
    assignee: Agent | _Unchanged | None = UNCHANGED,
    team: Team | _Unchanged | None = UNCHANGED,
    reason: str = "",
) -> Ticket:
    """Change the given fields of a ticket; None (or UNCHANGED for assignee and team) leaves
    a field as it is. One activity row per changed field (`reason`, when given, is recorded on
    the assignee's); one ticket.updated event."""
    changes: dict[str, list[Any]] = {}
    fields: list[str] = []
    correction: dict[str, Any] | None = None
    with transaction.atomic():
        if status is not None:
            before = ticket.status
            fields += apply_status(ticket=ticket, status=status, actor=actor)
            if before != ticket.status:
                changes["status"] = [before, ticket.status]
        if priority is not None and priority != ticket.priority:
            if priority not in Priority.values:
                raise ValidationFailed(f"unknown priority {priority!r}")
            changes["priority"] = [
                Priority(ticket.priority).name.lower(),
                Priority(priority).name.lower(),
            ]
            ticket.priority = priority
            fields += ["priority", *sla_priority_changed(ticket=ticket)]
        if category is not None and category != ticket.category:
            if category not in Category.values:
                raise ValidationFailed(
                    f"unknown category {category!r}; one of {', '.join(Category.values)}"
                )
            changes["category"] = [ticket.category, category]
            if actor is not None:  # an agent's correction: triage learns from it
                from vigil.routing.services import category_correction

                correction = category_correction(ticket=ticket)
            ticket.category = category
            fields.append("category")
        if language is not None:
            code = normalize_language(language) if language else ""
            if code != ticket.language:
                changes["language"] = [ticket.language, code]
                ticket.language = code
                fields.append("language")
        if subject is not None:
            clean = " ".join(subject.split())[:300]
            if not clean:
                raise ValidationFailed("the subject cannot be empty")
            if clean != ticket.subject:
                changes["subject"] = [ticket.subject, clean]
                ticket.subject = clean
                fields.append("subject")
        if not isinstance(assignee, _Unchanged) and assignee != ticket.assignee:
            changes["assignee"] = [
                ticket.assignee.display_name if ticket.assignee else None,
                assignee.display_name if assignee else None,
            ]
            ticket.assignee = assignee
            ticket.assigned_at = timezone.now() if assignee is not None else None
            fields += ["assignee", "assigned_at"]
        if not isinstance(team, _Unchanged) and team != ticket.team:
            changes["team"] = [
                ticket.team.name if ticket.team else None,
                team.name if team else None,
            ]
            ticket.team = team
            fields.append("team")
        if tags is not None:
            names = _tag_names(tags)
            current = sorted(ticket.tags.values_list("name", flat=True))
            if sorted(names) != current:
                objs = [Tag.objects.get_or_create(name=name)[0] for name in names]
                ticket.tags.set(objs)
                changes["tags"] = [current, sorted(names)]
        for field, (before, after) in changes.items():
            if field != "status":  # apply_status logged it already
                data = {"from": before, "to": after}
                if field == "assignee" and reason:
                    data["reason"] = reason
                if field == "category" and correction:
                    data["correction"] = correction
                activity_add(ticket=ticket, kind=field, actor=actor, data=data)
        if fields:
            ticket.save(update_fields=[*fields, "updated_at"])
        if changes:
            publish_ticket_updated(ticket=ticket, changes=changes, actor=actor)
    return ticket


def ticket_assign(
    *, ticket: Ticket, agent: Agent | None, actor: Agent | None, reason: str = ""
) -> Ticket:
    return ticket_update(ticket=ticket, actor=actor, assignee=agent, reason=reason)


def ticket_claim(*, ticket: Ticket, agent: Agent, actor: Agent | None, reason: str) -> bool:
    """Give an unassigned ticket to `agent` unless someone took it first: a conditional UPDATE
    (assignee IS NULL), so concurrent claims of one ticket have one winner. Logs and publishes
    like ticket_assign. Returns whether this call won."""
    now = timezone.now()
    with transaction.atomic():
        won = Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(
            assignee=agent, assigned_at=now, updated_at=now
        )
        if not won:
            return False
        ticket.assignee, ticket.assigned_at, ticket.updated_at = agent, now, now
        _assignee_changed(ticket, None, agent, actor=actor, reason=reason)
    return True


def ticket_release(*, ticket: Ticket, holder: Agent, reason: str) -> bool:
    """Put a ticket `holder` still holds back in its queue (unassigned); False when it has
    changed hands meanwhile, so running it twice changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        won = Ticket.objects.filter(pk=ticket.pk, assignee=holder).update(
            assignee=None, assigned_at=None, updated_at=now
        )
        if not won:
            return False
        ticket.assignee, ticket.assigned_at, ticket.updated_at = None, None, now
        _assignee_changed(ticket, holder, None, actor=None, reason=reason)
    return True


def _assignee_changed(
    ticket: Ticket, before: Agent | None, after: Agent | None, *, actor: Agent | None, reason: str
) -> None:
    change = [before.display_name if before else None, after.display_name if after else None]
    data = {"from": change[0], "to": change[1], "reason": reason}
    activity_add(ticket=ticket, kind=ActivityKind.ASSIGNEE, actor=actor, data=data)
    publish_ticket_updated(ticket=ticket, changes={"assignee": change}, actor=actor)
