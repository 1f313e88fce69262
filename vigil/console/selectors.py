"""Reads the console needs beyond the tickets selectors, permissions applied.

See docs/architecture.md#console. Everything a page shows about tickets comes through
vigil.tickets.selectors (visible_tickets decides what an agent may see); this module only adds
the option lists of the filter bar and the pieces of the ticket view's side panel.
"""

from __future__ import annotations

from django.db.models import QuerySet

from vigil.accounts.models import Agent, Team
from vigil.core.errors import NotFound
from vigil.tickets.models import Attachment, Ticket
from vigil.tickets.selectors import TicketFilters, inbox_page, visible_tickets

OTHER_TICKETS_SHOWN = 8


def teams_list() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def assignable_agents() -> QuerySet[Agent]:
    return Agent.objects.filter(user__is_active=True).order_by("display_name")


def customer_other_tickets(*, agent: Agent, ticket: Ticket) -> list[Ticket]:
    """The customer's other tickets this agent may see, most urgent first."""
    page = inbox_page(
        agent=agent,
        filters=TicketFilters(customer_id=ticket.customer_id, all_statuses=True),
        limit=OTHER_TICKETS_SHOWN + 1,
    )
    return [t for t in page.items if t.pk != ticket.pk][:OTHER_TICKETS_SHOWN]


def attachment_get_for_agent(*, agent: Agent, attachment_id: int) -> Attachment:
    """An attachment of a message on a ticket the agent may see; NotFound otherwise."""
    attachment = (
        Attachment.objects.select_related("message")
        .filter(pk=attachment_id, message__ticket__in=visible_tickets(agent))
        .first()
    )
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}")
    return attachment
