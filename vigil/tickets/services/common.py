"""What the ticket writes share: limits, the compact ticket form events carry, activity rows
and the events of a change. See docs/architecture.md#tickets."""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from vigil.accounts.models import Agent
from vigil.core.events import publish_on_commit
from vigil.core.services import rows_insert
from vigil.tickets.choices import (
    Priority,
)
from vigil.tickets.content import preview
from vigil.tickets.events import MessageAdded, TicketUpdated
from vigil.tickets.models import Message, Ticket, TicketActivity

MAX_ATTACHMENTS_PER_MESSAGE = 20
MAX_TEXT_CHARS = 200_000
MAX_DELIVERY_ATTEMPTS = 8


class _Unchanged(enum.Enum):
    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED


@dataclass(frozen=True, kw_only=True)
class NewAttachment:
    """A file to attach to a message, as bytes."""

    filename: str
    content: bytes
    inline: bool = False
    content_id: str = ""


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """The compact form of a ticket carried by events (needs customer, team, assignee loaded)."""
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": Priority(ticket.priority).name.lower(),
        "category": ticket.category,
        "language": ticket.language,
        "channel": ticket.channel,
        "team": ticket.team.name if ticket.team else None,
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
        "customer": str(ticket.customer) if ticket.customer_id else None,
        "waiting_since": ticket.waiting_since.isoformat(),
    }


_deferred = threading.local()


def activity_add(
    *, ticket: Ticket, kind: str, actor: Agent | None = None, data: dict[str, Any] | None = None
) -> TicketActivity:
    """Write one activity row (or, inside `activities_deferred()`, queue it; then it has no
    pk until the block ends)."""
    row = TicketActivity(ticket=ticket, kind=kind, actor=actor, data=data or {})
    activities_add(rows=[row])
    return row


def activities_add(*, rows: Sequence[TicketActivity]) -> None:
    """Write activity rows with one statement, or queue them inside `activities_deferred()`."""
    queued: list[TicketActivity] | None = getattr(_deferred, "rows", None)
    if queued is not None:
        queued.extend(rows)
    else:
        rows_insert(rows)


@contextmanager
def activities_deferred() -> Iterator[None]:
    """Queue the activity rows written inside the block and insert them all with one
    statement when it ends. For a writer that stores many messages in one transaction: the
    block must lie inside that transaction, so the rows commit with it. A part of the work
    that may fail on its own (a savepoint that rolls back while the block goes on) runs
    inside `activities_undone_on_error()`, which forgets the rows it queued."""
    if getattr(_deferred, "rows", None) is not None:
        yield
        return
    rows: list[TicketActivity] = []
    _deferred.rows = rows
    try:
        yield
        _deferred.rows = None
        rows_insert(rows)
    finally:
        _deferred.rows = None


@contextmanager
def activities_undone_on_error() -> Iterator[None]:
    """When the block raises, forget the deferred activity rows it queued (its writes are
    being rolled back); nothing to do outside `activities_deferred()`."""
    queued: list[TicketActivity] | None = getattr(_deferred, "rows", None)
    mark = len(queued) if queued is not None else 0
    try:
        yield
    except BaseException:
        if queued is not None:
            del queued[mark:]
        raise


def ticket_updated_event(
    *, ticket: Ticket, changes: dict[str, list[Any]], actor: Agent | None
) -> TicketUpdated:
    return TicketUpdated(
        ticket_id=ticket.pk,
        team_id=ticket.team_id,
        assignee_id=ticket.assignee_id,
        ticket=ticket_summary(ticket),
        changes=changes,
        actor_id=actor.pk if actor else None,
    )


def message_added_event(*, ticket: Ticket, message: Message) -> MessageAdded:
    return MessageAdded(
        ticket_id=ticket.pk,
        team_id=ticket.team_id,
        assignee_id=ticket.assignee_id,
        ticket=ticket_summary(ticket),
        message_id=message.pk,
        direction=message.direction,
        channel=message.channel,
        preview=preview(message.text),
    )


def publish_ticket_updated(
    *, ticket: Ticket, changes: dict[str, list[Any]], actor: Agent | None
) -> None:
    publish_on_commit(ticket_updated_event(ticket=ticket, changes=changes, actor=actor))


def publish_message_added(*, ticket: Ticket, message: Message) -> None:
    publish_on_commit(message_added_event(ticket=ticket, message=message))
