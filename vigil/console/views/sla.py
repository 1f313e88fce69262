"""Console pages of SLAs and shifts: policies, calendars, shifts, the coverage grid, a ticket's
SLA targets. See docs/architecture.md#slas and docs/architecture.md#shifts-and-coverage.

Everyone reads; supervisors change policies' minutes and add holidays here, everything else
through the API (`/api/v1/sla/...`, `/api/v1/agents/{id}/shifts`).
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from vigil.accounts.models import Agent
from vigil.accounts.selectors import teams_with_members
from vigil.console.sla_forms import minutes_value as _minutes
from vigil.console.views.common import agent_required
from vigil.core.errors import ValidationFailed
from vigil.sla.coverage import coverage_grid
from vigil.sla.selectors import (
    calendar_get,
    calendars_list,
    policies_list,
    policy_get,
    shifts_by_agent,
    ticket_targets,
)
from vigil.sla.services.admin import holiday_add, policy_save
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
        "teams": list(teams_with_members()),
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


POLICY_FIELDS = (
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "warn_percent",
)


@require_POST
@agent_required
def sla_policy_edit(request: HttpRequest, agent: Agent, policy_id: int) -> HttpResponse:
    """A supervisor changes a policy's minutes and warning percent from the SLA page."""
    values = {name: _minutes(request.POST.get(name)) for name in POLICY_FIELDS}
    values["warn_percent"] = values["warn_percent"] or 80
    policy_save(actor=agent, policy=policy_get(policy_id), values=values)
    return redirect(reverse("console:sla"))


@require_POST
@agent_required
def sla_holiday_add(request: HttpRequest, agent: Agent, calendar_id: int) -> HttpResponse:
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        raise ValidationFailed("give the holiday's date as YYYY-MM-DD") from None
    holiday_add(
        actor=agent, calendar=calendar_get(calendar_id), day=day, name=request.POST.get("name", "")
    )
    return redirect(reverse("console:sla"))
