"""Console edits of SLA calendars (time zone, 24/7, business hours) and of policies' escalation. See
docs/architecture.md#slas.

The services (vigil.sla.services.admin) check `sla.edit` and validate.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from vigil.accounts.models import Agent
from vigil.console.sla_forms import calendar_values, escalation_values
from vigil.console.views.common import agent_required
from vigil.sla.selectors import calendar_get, policy_get
from vigil.sla.services.admin import calendar_save, policy_save


@require_POST
@agent_required
def sla_calendar_edit(request: HttpRequest, agent: Agent, calendar_id: int) -> HttpResponse:
    calendar = calendar_get(calendar_id)
    calendar_save(
        actor=agent, calendar=calendar, name=calendar.name, **calendar_values(request.POST)
    )
    return redirect(reverse("console:sla"))


@require_POST
@agent_required
def sla_escalation_edit(request: HttpRequest, agent: Agent, policy_id: int) -> HttpResponse:
    """A policy's warning lead and what happens on breach."""
    policy = policy_get(policy_id)
    policy_save(actor=agent, policy=policy, values=escalation_values(request.POST))
    return redirect(reverse("console:sla"))
