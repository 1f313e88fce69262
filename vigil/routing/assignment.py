"""Push assignment: who of a team gets its new ticket (sticky, least loaded, round robin).

See docs/architecture.md#routing-and-assignment. Pull ("Next ticket") is in assignment_pull.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from vigil.accounts.choices import Presence, Role
from vigil.accounts.models import Agent
from vigil.channels.chat.selectors import OPEN_STATES as LIVE_CHAT_STATES
from vigil.channels.models import ChatSession
from vigil.routing.choices import Strategy
from vigil.routing.models import TeamRouting
from vigil.tickets.choices import UNSOLVED_STATUSES, TicketStatus
from vigil.tickets.models import Ticket
from vigil.tickets.services import ticket_claim, ticket_release

# Tickets that wait for an agent to pick them up; pending / on-hold wait for someone else.
ASSIGNABLE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN)
SENIOR_ROLES = frozenset({Role.TIER2, Role.TIER3, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Candidate:
    agent: Agent
    load: int  # unsolved tickets the agent holds


def agent_loads(agent_ids: Iterable[int]) -> dict[int, int]:
    """Unsolved tickets held, per agent id (absent = 0)."""
    rows = (
        Ticket.objects.filter(assignee_id__in=list(agent_ids), status__in=UNSOLVED_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def speaks(agent: Agent, ticket: Ticket) -> bool:
    """The agent's skills cover the ticket: its language (any when the ticket has none) and
    its category (an agent without categories handles any)."""
    if ticket.language and ticket.language not in (agent.languages or []):
        return False
    return not agent.categories or ticket.category in agent.categories


def wants_senior(ticket: Ticket) -> bool:
    return (ticket.triage or {}).get("route_hint") == "senior"


def candidates(ticket: Ticket) -> list[Candidate]:
    """Online members of the ticket's team with the skills for it and room under their
    capacity, by id. A distressed customer's ticket (route hint "senior") goes to tier 2 and
    above when any of them can take it."""
    if ticket.team_id is None:
        return []
    agents = [
        agent
        for agent in Agent.objects.filter(
            teams=ticket.team_id, presence=Presence.ONLINE, user__is_active=True
        ).order_by("pk")
        if speaks(agent, ticket)
    ]
    loads = agent_loads(a.pk for a in agents)
    found = [
        Candidate(agent=a, load=loads.get(a.pk, 0))
        for a in agents
        if loads.get(a.pk, 0) < a.capacity
    ]
    if wants_senior(ticket):
        senior = [c for c in found if c.agent.role in SENIOR_ROLES]
        return senior or found
    return found


def last_handler_id(ticket: Ticket) -> int | None:
    """The agent who last held another ticket of the same customer."""
    row = (
        Ticket.objects.filter(customer_id=ticket.customer_id, assignee__isnull=False)
        .exclude(pk=ticket.pk)
        .order_by("-assigned_at", "-id")
        .values_list("assignee_id", flat=True)[:1]
    )
    return next(iter(row), None)


def pick_least_loaded(found: Sequence[Candidate]) -> Candidate:
    """Fewest tickets relative to capacity; ties go to the lower id."""
    return min(found, key=lambda c: (c.load / max(c.agent.capacity, 1), c.load, c.agent.pk))


def pick_round_robin(found: Sequence[Candidate], *, last_agent_id: int | None) -> Candidate:
    """The next agent by id after the one who got the previous ticket, wrapping around."""
    after = [c for c in found if last_agent_id is not None and c.agent.pk > last_agent_id]
    return (after or list(found))[0]


def team_routing(team_id: int, *, lock: bool = False) -> TeamRouting:
    """The team's routing settings (the defaults when it has no row). With `lock`, the row is
    created if missing and locked, so that pushes to one team happen one at a time."""
    if not lock:
        return TeamRouting.objects.filter(team_id=team_id).first() or TeamRouting(team_id=team_id)
    TeamRouting.objects.get_or_create(team_id=team_id)
    return TeamRouting.objects.select_for_update().get(team_id=team_id)


def _choose(ticket: Ticket, routing: TeamRouting, found: list[Candidate]) -> tuple[Candidate, str]:
    if routing.sticky and ticket.customer_id:
        last = last_handler_id(ticket)
        for c in found:
            if c.agent.pk == last:
                return c, "sticky: last handled this customer"
    if routing.strategy == Strategy.ROUND_ROBIN:
        return pick_round_robin(found, last_agent_id=routing.last_agent_id), "round robin"
    return pick_least_loaded(found), "least loaded"


def live_chat_tickets() -> QuerySet[ChatSession, int]:
    """Ids of the tickets whose chat is in the live queue or being talked (a subquery)."""
    return ChatSession.objects.filter(state__in=LIVE_CHAT_STATES).values_list(
        "ticket_id", flat=True
    )


def in_live_chat(ticket: Ticket) -> bool:
    """A chat waiting in the live queue or being talked is offered by the chat queue
    (chat_offers.py), never pushed or pulled as a ticket; once it ended or the visitor left a
    message it is an ordinary ticket again."""
    return ChatSession.objects.filter(ticket=ticket, state__in=LIVE_CHAT_STATES).exists()


def ticket_push_assign(*, ticket: Ticket) -> Agent | None:
    """Give an unassigned ticket of a push team to one of its agents; None when the team
    pulls, nobody can take it, or it is not waiting for an agent. Concurrent pushes of one
    team are serialised on its routing row; a ticket claimed meanwhile is left alone."""
    if ticket.assignee_id is not None or ticket.team_id is None:
        return None
    if ticket.status not in ASSIGNABLE_STATUSES or in_live_chat(ticket):
        return None
    with transaction.atomic():
        routing = team_routing(ticket.team_id, lock=True)
        if routing.strategy == Strategy.PULL:
            return None
        found = candidates(ticket)
        if not found:
            return None
        chosen, why = _choose(ticket, routing, found)
        if wants_senior(ticket):
            why += "; distressed customer: senior agents first"
        if not ticket_claim(ticket=ticket, agent=chosen.agent, actor=None, reason=why):
            return None
        if routing.strategy == Strategy.ROUND_ROBIN:
            routing.last_agent = chosen.agent
            routing.save(update_fields=["last_agent"])
    return chosen.agent


def tickets_push_waiting(*, limit: int = 200) -> int:
    """Push-assign unassigned tickets of push teams, most urgent first (after agents come
    online, or tickets return to the queue). Returns how many were assigned; idempotent."""
    from vigil.tickets.selectors import INBOX_ORDER

    pull_teams = TeamRouting.objects.filter(strategy=Strategy.PULL).values("team_id")
    waiting = (
        Ticket.objects.filter(
            assignee__isnull=True, team__isnull=False, status__in=ASSIGNABLE_STATUSES
        )
        .exclude(team_id__in=pull_teams)
        .exclude(pk__in=live_chat_tickets())
        .select_related("customer")
        .order_by(*INBOX_ORDER)[:limit]
    )
    return sum(1 for ticket in waiting if ticket_push_assign(ticket=ticket) is not None)


def return_after(routing: TeamRouting | None) -> timedelta:
    if routing is not None:
        return timedelta(minutes=routing.return_after_minutes)
    return timedelta(minutes=getattr(settings, "VIGIL_RETURN_AFTER_MINUTES", 15))


def tickets_return_from_offline(*, limit: int = 500) -> int:
    """Put back in the queue the waiting tickets of agents who have been offline longer than
    their ticket's team allows (TeamRouting.return_after_minutes, else
    VIGIL_RETURN_AFTER_MINUTES). Each gets an activity row with the reason. Idempotent."""
    now = timezone.now()
    held = list(
        Ticket.objects.filter(
            assignee__presence=Presence.OFFLINE, status__in=ASSIGNABLE_STATUSES
        ).select_related("assignee")[:limit]
    )
    teams = {t.team_id for t in held if t.team_id is not None}
    routings = {r.team_id: r for r in TeamRouting.objects.filter(team_id__in=teams)}
    returned = 0
    for ticket in held:
        holder = ticket.assignee
        assert holder is not None
        after = return_after(routings.get(ticket.team_id) if ticket.team_id else None)
        since = holder.presence_changed_at
        if since is not None and now - since < after:
            continue
        minutes = int(after.total_seconds() // 60)
        reason = f"{holder.display_name} offline for more than {minutes} min"
        returned += ticket_release(ticket=ticket, holder=holder, reason=reason)
    return returned
