"""Console pages of SLAs and shifts: policies, calendars, shifts, the coverage grid, a ticket's
SLA targets. See docs/architecture.md#slas and docs/architecture.md#shifts-and-coverage.

Everyone reads; edits go through the API (`/api/v1/sla/...`, `/api/v1/agents/{id}/shifts`).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from vigil.accounts.models import Agent
from vigil.console.views.common import agent_required
from vigil.sla.coverage import coverage_grid
from vigil.sla.selectors import calendars_list, policies_list, shifts_by_agent, ticket_targets
from vigil.sla.shifts import zone
from vigil.tickets.selectors import ticket_get_for_agent


@require_GET
@agent_required
def sla_overview(request: HttpRequest, agent: Agent) -> HttpResponse:
    context = {
        "agent": agent,
        "policies": list(policies_list()),
        "calendars": list(calendars_list()),
        "shifts": shifts_by_agent(),
    }
    return render(request, "sla/overview.html", context)


@require_GET
@agent_required
def coverage(request: HttpRequest, agent: Agent) -> HttpResponse:
    display = zone(request.GET.get("zone") or agent.timezone).key
    grid = coverage_grid(display_zone=display)
    return render(
        request,
        "sla/coverage.html",
        {"agent": agent, "grid": grid, "zone": display, "now": timezone.now()},
    )


@require_GET
@agent_required
def ticket_sla(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    ticket = ticket_get_for_agent(agent, ticket_id)
    context = {"ticket": ticket, "targets": list(ticket_targets(ticket_id=ticket.pk))}
    return render(request, "sla/ticket_targets.html", context)
