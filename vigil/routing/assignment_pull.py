"""Pull assignment: an agent presses "Next ticket" and gets the most urgent one they can take.

See docs/architecture.md#routing-and-assignment. The claim is atomic: on PostgreSQL the
candidate row is locked with `FOR UPDATE SKIP LOCKED` (concurrent callers skip it and take the
next); everywhere the claim itself is a conditional UPDATE (assignee IS NULL) and a lost race
tries the next candidate, a bounded number of times.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet

from vigil.accounts.models import Agent
from vigil.core.errors import Conflict
from vigil.routing.assignment import ASSIGNABLE_STATUSES, agent_loads, live_chat_tickets
from vigil.tickets.models import Ticket
from vigil.tickets.selectors import INBOX_ORDER, visible_tickets
from vigil.tickets.services import ticket_claim

MAX_CLAIM_ATTEMPTS = 20
PULL_REASON = "next ticket"
# SLA due first (tickets without a due time after), then the inbox order.
NEXT_ORDER = (F("sla_due_at").asc(nulls_last=True), *INBOX_ORDER)


def eligible_for(agent: Agent) -> QuerySet[Ticket]:
    """Unassigned tickets waiting for an agent that `agent` may see and has the skills for."""
    qs = (
        visible_tickets(agent)
        .filter(assignee__isnull=True, status__in=ASSIGNABLE_STATUSES)
        .exclude(pk__in=live_chat_tickets())
    )
    if agent.languages:
        qs = qs.filter(Q(language__in=agent.languages) | Q(language=""))
    if agent.categories:
        qs = qs.filter(category__in=agent.categories)
    return qs.order_by(*NEXT_ORDER)


def _candidate(agent: Agent, skip: set[int]) -> Ticket | None:
    qs = eligible_for(agent).exclude(pk__in=skip) if skip else eligible_for(agent)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return qs.first()


def ticket_next(*, agent: Agent) -> Ticket | None:
    """Claim the most urgent ticket the agent can take; None when there is none. Raises
    Conflict when the agent already holds as many tickets as their capacity."""
    if agent_loads([agent.pk]).get(agent.pk, 0) >= agent.capacity:
        raise Conflict(f"you hold {agent.capacity} open tickets already (your capacity)")
    lost: set[int] = set()
    for _attempt in range(MAX_CLAIM_ATTEMPTS):
        with transaction.atomic():
            ticket = _candidate(agent, lost)
            if ticket is None:
                return None
            if ticket_claim(ticket=ticket, agent=agent, actor=agent, reason=PULL_REASON):
                return ticket
        lost.add(ticket.pk)
    return None
