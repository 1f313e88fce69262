"""Factories for routing: team routing settings and tickets routed to a team."""

from __future__ import annotations

from typing import Any

from tests.factories.tickets import ingest
from vigil.accounts.models import Team
from vigil.routing.choices import Strategy
from vigil.routing.models import TeamRouting
from vigil.tickets.choices import Priority
from vigil.tickets.models import Ticket


def set_routing(team: Team, *, strategy: str = Strategy.LEAST_LOADED, **fields: Any) -> TeamRouting:
    routing, _ = TeamRouting.objects.update_or_create(
        team=team, defaults={"strategy": strategy, **fields}
    )
    return routing


def team_ticket(team: Team | None, **fields: Any) -> Ticket:
    """A new ticket in `team`, unassigned, with the given fields set (in the database too)."""
    overrides = {k: fields.pop(k) for k in ("sender_address",) if k in fields}
    ticket = ingest(**overrides).ticket
    fields.setdefault("language", "en")
    fields.setdefault("category", "other")
    fields.setdefault("priority", Priority.NORMAL)
    Ticket.objects.filter(pk=ticket.pk).update(team=team, **fields)
    return Ticket.objects.select_related("customer", "team").get(pk=ticket.pk)
