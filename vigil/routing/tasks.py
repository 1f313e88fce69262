"""Background jobs of routing: push assignment, tickets back from offline agents.

See docs/architecture.md#routing-and-assignment. Each takes ids or nothing, calls one service,
and is idempotent; none retries (the next periodic run catches up).
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from vigil.core.registry import periodic
from vigil.routing.assignment import (
    ticket_push_assign,
    tickets_push_waiting,
    tickets_return_from_offline,
)
from vigil.tickets.models import Ticket


@task(queue_name="default")
def assign_ticket(*, ticket_id: int) -> bool:
    """Push-assign one ticket (enqueued after the commit that routed it)."""
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    return ticket is not None and ticket_push_assign(ticket=ticket) is not None


@periodic(every=timedelta(minutes=1))
@task(queue_name="maintenance")
def return_tickets_from_offline() -> int:
    return tickets_return_from_offline()


@periodic(every=timedelta(minutes=1))
@task(queue_name="maintenance")
def push_waiting_tickets() -> int:
    """Tickets nobody could take when they arrived, once someone can."""
    return tickets_push_waiting()
