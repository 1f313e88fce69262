"""Sending outbound messages through their channel, and closing solved tickets. See
docs/architecture.md#tickets."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from vigil.channels.base import DeliveryError
from vigil.channels.registry import adapter_for
from vigil.core.errors import NotFound
from vigil.tickets.choices import (
    ActivityKind,
    DeliveryStatus,
    Direction,
    TicketStatus,
)
from vigil.tickets.models import Message, Ticket
from vigil.tickets.services.common import (
    MAX_DELIVERY_ATTEMPTS,
    activity_add,
    publish_ticket_updated,
)
from vigil.tickets.services.updates import ticket_update


def delivery_backoff(attempt: int) -> timedelta:
    """Wait before retry number `attempt` (1-based): 30 s doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempt - 1), 3600))


def message_deliver(*, message_id: int) -> datetime | None:
    """Send one pending outbound message through its channel's adapter.

    Idempotent: a message that is no longer pending is left alone, and a claim on the attempt
    counter keeps two workers from sending it twice. Returns when to retry, or None.
    """
    message = (
        Message.objects.select_related("ticket", "channel_account", "author_agent")
        .filter(pk=message_id, direction=Direction.OUTBOUND)
        .first()
    )
    if message is None:
        raise NotFound(f"no outbound message {message_id}")
    if message.delivery_status != DeliveryStatus.PENDING:
        return None
    attempt = message.delivery_attempts + 1
    claimed = Message.objects.filter(
        pk=message.pk,
        delivery_status=DeliveryStatus.PENDING,
        delivery_attempts=message.delivery_attempts,
    ).update(delivery_attempts=attempt)
    if not claimed:
        return None
    message.delivery_attempts = attempt
    try:
        receipt = adapter_for(message.channel).deliver(
            account=message.channel_account,
            message=message,
        )
    except DeliveryError as exc:
        permanent = exc.permanent or attempt >= MAX_DELIVERY_ATTEMPTS
        _delivery_record(message=message, ok=False, error=str(exc), final=permanent)
        return None if permanent else timezone.now() + delivery_backoff(attempt)
    _delivery_record(message=message, ok=True, external_id=receipt.external_id)
    return None


def _delivery_record(
    *,
    message: Message,
    ok: bool,
    error: str = "",
    final: bool = True,
    external_id: str | None = None,
) -> None:
    """Record an attempt's outcome. Only a still-pending message changes status, so a bounce
    that marked it failed while it was being sent is not overwritten by "sent"."""
    values: dict[str, Any] = {"delivery_error": error}
    if ok:
        values["delivery_status"] = DeliveryStatus.SENT
        if external_id and not message.external_id:
            values["external_id"] = external_id
    elif final:
        values["delivery_status"] = DeliveryStatus.FAILED
    with transaction.atomic():
        changed = Message.objects.filter(
            pk=message.pk, delivery_status=DeliveryStatus.PENDING
        ).update(**values)
        if not changed or "delivery_status" not in values:
            return
        for field, value in values.items():
            setattr(message, field, value)
        activity_add(
            ticket=message.ticket,
            kind=ActivityKind.DELIVERY,
            data={"message_id": message.pk, "status": message.delivery_status, "error": error},
        )
        ticket = Ticket.objects.select_related("customer", "team", "assignee").get(
            pk=message.ticket_id
        )
        publish_ticket_updated(
            ticket=ticket,
            changes={"delivery": [message.pk, message.delivery_status]},
            actor=None,
        )


SOLVED_CLOSE_AFTER = timedelta(days=4)


def tickets_close_solved(*, older_than: timedelta = SOLVED_CLOSE_AFTER, batch: int = 500) -> int:
    """Close tickets that stayed solved for `older_than` (Zendesk's default is 4 days)."""
    cutoff = timezone.now() - older_than
    ids = list(
        Ticket.objects.filter(status=TicketStatus.SOLVED, solved_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:batch]
    )
    closed = 0
    for ticket in Ticket.objects.select_related("customer", "team", "assignee").filter(pk__in=ids):
        if ticket.status == TicketStatus.SOLVED:
            ticket_update(ticket=ticket, actor=None, status=TicketStatus.CLOSED)
            closed += 1
    return closed
