"""Console shift editor: a supervisor picks an agent, edits their weekly shifts and adds or
removes time off and extra shifts. See docs/architecture.md#shifts-and-coverage.

Every agent reads; the services (vigil.sla.services.admin) check `shifts.edit`.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from vigil.accounts.models import Agent
from vigil.accounts.selectors import agents_list
from vigil.console.sla_forms import ShiftExceptionForm, weekly_rows
from vigil.console.views.common import agent_required
from vigil.sla.selectors import agent_shifts, shift_agent_get, shift_exception_get
from vigil.sla.services.admin import shift_exception_add, shift_exception_remove, shifts_set

WEEKDAYS = range(7)


def _back(agent_id: int) -> HttpResponse:
    return redirect(reverse("console:sla_shifts") + f"?agent={agent_id}")


@require_GET
@agent_required
def sla_shifts(request: HttpRequest, agent: Agent) -> HttpResponse:
    raw = request.GET.get("agent", "")
    chosen = shift_agent_get(int(raw)) if raw.isdigit() else None
    patterns, exceptions = (
        agent_shifts(agent_id=chosen.pk, since=timezone.now() - timedelta(days=1))
        if chosen
        else ([], [])
    )
    context = {
        "agent": agent,
        "agents": list(agents_list()),
        "chosen": chosen,
        "patterns": patterns,
        "exceptions": exceptions,
        "weekdays": WEEKDAYS,
        "blank_rows": range(len(patterns), len(patterns) + 2),
        "exception_form": ShiftExceptionForm(),
    }
    return render(request, "sla/shifts.html", context)


@require_POST
@agent_required
def sla_shifts_save(request: HttpRequest, agent: Agent, agent_id: int) -> HttpResponse:
    target = shift_agent_get(agent_id)
    shifts_set(actor=agent, agent=target, shifts=weekly_rows(request.POST))
    return _back(target.pk)


@require_POST
@agent_required
def sla_exception_add(request: HttpRequest, agent: Agent, agent_id: int) -> HttpResponse:
    target = shift_agent_get(agent_id)
    arguments = ShiftExceptionForm(request.POST).arguments(target.timezone)
    shift_exception_add(actor=agent, agent=target, **arguments)
    return _back(target.pk)


@require_POST
@agent_required
def sla_exception_remove(
    request: HttpRequest, agent: Agent, agent_id: int, exception_id: int
) -> HttpResponse:
    found = shift_exception_get(agent_id=agent_id, exception_id=exception_id)
    shift_exception_remove(actor=agent, exception=found)
    return _back(agent_id)
