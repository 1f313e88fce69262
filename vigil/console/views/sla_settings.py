"""Console edits of SLA calendars (time zone, 24/7, business hours). See
docs/architecture.md#slas.

The service (vigil.sla.services.admin.calendar_save) checks `sla.edit` and validates.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from vigil.accounts.models import Agent
from vigil.console.sla_forms import calendar_values
from vigil.console.views.common import agent_required
from vigil.sla.selectors import calendar_get
from vigil.sla.services.admin import calendar_save


@require_POST
@agent_required
def sla_calendar_edit(request: HttpRequest, agent: Agent, calendar_id: int) -> HttpResponse:
    calendar = calendar_get(calendar_id)
    calendar_save(
        actor=agent, calendar=calendar, name=calendar.name, **calendar_values(request.POST)
    )
    return redirect(reverse("console:sla"))
