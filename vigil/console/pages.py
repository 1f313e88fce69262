"""What the ticket page shows, gathered lazily for its templates. See docs/architecture.md#console.

A template asks for `view.thread` or `view.properties`; only what a rendered part uses is read,
through the selectors, so a re-fetched fragment costs a handful of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.accounts.models import Agent, Team
from vigil.console.forms import status_choices
from vigil.console.selectors import assignable_agents, customer_other_tickets, teams_list
from vigil.customers.models import ChannelIdentity
from vigil.routing.selectors import Decision, triage_decisions
from vigil.tickets.choices import Category, Priority
from vigil.tickets.models import Message, Ticket, TicketActivity
from vigil.tickets.selectors import ticket_activities, ticket_thread


@dataclass(frozen=True)
class PropertyField:
    """One editable property of the side panel: a select, or the tags box."""

    name: str
    label: Any
    options: list[tuple[str, str]]  # (value, text); empty for tags
    value: str

    @property
    def is_tags(self) -> bool:
        return self.name == "tags"


class TicketView:
    """One ticket as an agent sees it; each piece is loaded on first use."""

    def __init__(self, *, agent: Agent, ticket: Ticket) -> None:
        self.agent = agent
        self.ticket = ticket
        self.now = timezone.now()

    @cached_property
    def thread(self) -> list[Message]:
        return ticket_thread(ticket=self.ticket)

    @cached_property
    def activities(self) -> list[TicketActivity]:
        return list(ticket_activities(ticket=self.ticket))

    @cached_property
    def other_tickets(self) -> list[Ticket]:
        return customer_other_tickets(agent=self.agent, ticket=self.ticket)

    @cached_property
    def identities(self) -> list[ChannelIdentity]:
        return list(self.ticket.customer.identities.order_by("kind", "address"))

    @cached_property
    def triage(self) -> list[Decision]:
        return triage_decisions(self.ticket)

    @cached_property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.ticket.tags.all()]

    @cached_property
    def _agents(self) -> list[Agent]:
        return list(assignable_agents())

    @cached_property
    def _teams(self) -> list[Team]:
        return list(teams_list())

    def field(self, name: str) -> PropertyField:
        t = self.ticket
        if name == "status":
            return PropertyField(name, _("Status"), status_choices(t.status), t.status)
        if name == "priority":
            options = [(str(v), str(label)) for v, label in Priority.choices]
            return PropertyField(name, _("Priority"), options, str(t.priority))
        if name == "assignee":
            agents = [("", str(_("Unassigned")))] + [
                (str(a.pk), a.display_name) for a in self._agents
            ]
            return PropertyField(name, _("Assignee"), agents, str(t.assignee_id or ""))
        if name == "team":
            teams = [("", str(_("No team")))] + [(str(team.pk), team.name) for team in self._teams]
            return PropertyField(name, _("Team"), teams, str(t.team_id or ""))
        if name == "category":
            options = [(v, str(label)) for v, label in Category.choices]
            return PropertyField(name, _("Category"), options, t.category)
        if name == "tags":
            return PropertyField(name, _("Tags"), [], ", ".join(self.tag_names))
        raise KeyError(name)

    @property
    def properties(self) -> list[PropertyField]:
        return [
            self.field(n) for n in ("status", "priority", "assignee", "team", "category", "tags")
        ]
