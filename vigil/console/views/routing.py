"""Routing in the console: teams, agents' skills, routing rules; presence; "Next ticket".

See docs/architecture.md#routing-and-assignment. Every agent sees the page; the edit forms show
for those holding `team.edit` / `routing.edit`, and the services refuse everyone else (403).
Each POST calls one service and redirects back (post/redirect/get).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vigil.accounts.choices import Presence, Role
from vigil.accounts.models import Agent
from vigil.accounts.selectors import agent_get, agents_list, team_get, teams_with_members
from vigil.accounts.services import (
    UNSET,
    agent_set_presence,
    agent_skills_update,
    team_create,
    team_update,
)
from vigil.console.views.common import agent_required
from vigil.routing.assignment_pull import ticket_next
from vigil.routing.choices import Strategy
from vigil.routing.rule_selectors import routing_rule_get, routing_rules
from vigil.routing.rule_services import (
    routing_rule_create,
    routing_rule_update,
    routing_rules_reorder,
    team_routing_update,
)
from vigil.tickets.choices import Category, Priority


def _list(request: HttpRequest, name: str) -> list[str]:
    """A comma-separated text field as a list ("en, zh-hans" -> ["en", "zh-hans"])."""
    return [part.strip() for part in request.POST.get(name, "").split(",") if part.strip()]


def _int(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _back() -> HttpResponseRedirect:
    return redirect(reverse("console:routing"))


@require_GET
@agent_required
def routing_page(request: HttpRequest, agent: Agent) -> HttpResponse:
    context = {
        "agent": agent,
        "teams": list(teams_with_members()),
        "agents": list(agents_list()),
        "rules": list(routing_rules()),
        "strategies": Strategy.choices,
        "roles": Role.choices,
        "categories": Category.values,
        "priorities": Priority.choices,
    }
    return render(request, "console/routing.html", context)


@require_POST
@agent_required
def team_save(request: HttpRequest, agent: Agent, team_id: int | None = None) -> HttpResponse:
    if team_id is None:
        team = team_create(name=request.POST.get("name", ""), actor=agent)
    else:
        team = team_get(team_id)
    fallback_id = _int(request, "fallback")
    team_update(
        actor=agent,
        team=team,
        name=request.POST.get("name"),
        languages=_list(request, "languages"),
        categories=_list(request, "categories"),
        fallback=team_get(fallback_id) if fallback_id else (None if team_id else UNSET),
        members=[agent_get(int(i)) for i in request.POST.getlist("members") if i.isdigit()],
    )
    team_routing_update(
        actor=agent,
        team=team,
        strategy=request.POST.get("strategy") or None,
        sticky=request.POST.get("sticky") == "on",
        return_after_minutes=_int(request, "return_after_minutes"),
    )
    return _back()


@require_POST
@agent_required
def skills_save(request: HttpRequest, agent: Agent, agent_id: int) -> HttpResponse:
    agent_skills_update(
        actor=agent,
        agent=agent_get(agent_id),
        languages=_list(request, "languages"),
        categories=_list(request, "categories"),
        role=request.POST.get("role") or None,
        capacity=_int(request, "capacity"),
        chat_capacity=_int(request, "chat_capacity"),
        timezone_name=request.POST.get("timezone") or None,
    )
    return _back()


@require_POST
@agent_required
def rule_save(request: HttpRequest, agent: Agent, rule_id: int | None = None) -> HttpResponse:
    team_id = _int(request, "team")
    fields: dict[str, Any] = {
        "name": request.POST.get("name", ""),
        "enabled": request.POST.get("enabled") == "on",
        "languages": _list(request, "languages"),
        "categories": _list(request, "categories"),
        "channels": _list(request, "channels"),
        "tones": _list(request, "tones"),
        "min_priority": _int(request, "min_priority"),
        "set_priority": _int(request, "set_priority"),
        "min_vip_tier": _int(request, "min_vip_tier"),
        "security_only": request.POST.get("security_only") == "on",
        "team": team_get(team_id or 0),
    }
    if rule_id is None:
        routing_rule_create(actor=agent, **fields)
    else:
        routing_rule_update(actor=agent, rule=routing_rule_get(rule_id), changes=fields)
    return _back()


@require_POST
@agent_required
def rule_move(request: HttpRequest, agent: Agent, rule_id: int) -> HttpResponse:
    ids = list(routing_rules().values_list("pk", flat=True))
    at = ids.index(routing_rule_get(rule_id).pk)
    to = at - 1 if request.POST.get("direction") == "up" else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
        routing_rules_reorder(actor=agent, rule_ids=ids)
    return _back()


@require_POST
@agent_required
def presence_save(request: HttpRequest, agent: Agent) -> HttpResponse:
    agent_set_presence(agent=agent, presence=request.POST.get("presence", Presence.ONLINE))
    return redirect(request.POST.get("next") or reverse("console:inbox"))


@require_POST
@agent_required
def next_ticket(request: HttpRequest, agent: Agent) -> HttpResponse:
    ticket = ticket_next(agent=agent)
    if ticket is None:
        messages.info(request, _("No ticket is waiting for you."))
        return redirect(reverse("console:inbox"))
    return redirect(reverse("console:ticket", args=[ticket.pk]))
