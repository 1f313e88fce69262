"""API endpoints for routing rules, teams' assignment settings and "Next ticket".

See docs/architecture.md#routing-and-assignment. Editing needs `routing.edit` (supervisors and
admins); reading the rules is open to every agent.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from vigil.accounts.models import Team
from vigil.accounts.schemas import TeamOut
from vigil.accounts.selectors import team_get
from vigil.api_types import ERRORS, ObjectId, request_agent
from vigil.core.errors import ValidationFailed
from vigil.routing.assignment_pull import ticket_next
from vigil.routing.assignment_schemas import RuleIn, RuleOrderIn, RuleOut, TeamRoutingIn
from vigil.routing.models import RoutingRule
from vigil.routing.rule_selectors import routing_rule_get, routing_rules
from vigil.routing.rule_services import (
    routing_rule_create,
    routing_rule_delete,
    routing_rule_update,
    routing_rules_reorder,
    team_routing_update,
)
from vigil.tickets.schemas import TicketOut
from vigil.tickets.selectors import ticket_get_for_agent

router = Router(tags=["routing"])


def _changes(payload: RuleIn) -> dict[str, Any]:
    changes = payload.model_dump(exclude_unset=True)
    for field in ("enabled", "security_only", "name", "languages", "categories"):
        if field in changes and changes[field] is None:
            raise ValidationFailed(f"{field} cannot be null")
    if "team_id" in changes:
        team_id = changes.pop("team_id")
        if team_id is None:
            raise ValidationFailed("a rule needs a team")
        changes["team"] = team_get(team_id)
    return changes


@router.get("/routing/rules", response={200: list[RuleOut], **ERRORS}, summary="Routing rules")
def rules(request: HttpRequest) -> list[RoutingRule]:
    return list(routing_rules())


@router.post("/routing/rules", response={201: RuleOut, **ERRORS}, summary="Add a rule (last)")
def rule_add(request: HttpRequest, payload: RuleIn) -> Status:
    changes = _changes(payload)
    if "team" not in changes or "name" not in changes:
        raise ValidationFailed("a rule needs a name and a team_id")
    rule = routing_rule_create(actor=request_agent(request), **changes)
    return Status(201, routing_rule_get(rule.pk))


@router.put(
    "/routing/rules/order", response={200: list[RuleOut], **ERRORS}, summary="Reorder the rules"
)
def rules_order(request: HttpRequest, payload: RuleOrderIn) -> list[RoutingRule]:
    routing_rules_reorder(actor=request_agent(request), rule_ids=payload.rule_ids)
    return list(routing_rules())


@router.patch(
    "/routing/rules/{rule_id}", response={200: RuleOut, **ERRORS}, summary="Change a rule"
)
def rule_change(request: HttpRequest, rule_id: ObjectId, payload: RuleIn) -> RoutingRule:
    routing_rule_update(
        actor=request_agent(request), rule=routing_rule_get(rule_id), changes=_changes(payload)
    )
    return routing_rule_get(rule_id)


@router.delete("/routing/rules/{rule_id}", response={204: None, **ERRORS}, summary="Delete")
def rule_delete(request: HttpRequest, rule_id: ObjectId) -> HttpResponse:
    routing_rule_delete(actor=request_agent(request), rule=routing_rule_get(rule_id))
    return HttpResponse(status=204)


@router.put(
    "/teams/{team_id}/routing",
    response={200: TeamOut, **ERRORS},
    summary="Set how a team hands out tickets (push strategy or pull, stickiness, return time)",
)
def team_routing(request: HttpRequest, team_id: ObjectId, payload: TeamRoutingIn) -> Team:
    team_routing_update(
        actor=request_agent(request),
        team=team_get(team_id),
        strategy=payload.strategy,
        sticky=payload.sticky,
        return_after_minutes=payload.return_after_minutes,
    )
    return team_get(team_id)


@router.post(
    "/me/next-ticket",
    response={200: TicketOut, 204: None, **ERRORS},
    summary="Take the most urgent ticket I can handle (204 when there is none)",
)
def next_ticket(request: HttpRequest) -> Status | HttpResponse:
    agent = request_agent(request)
    ticket = ticket_next(agent=agent)
    if ticket is None:
        return HttpResponse(status=204)
    return Status(200, ticket_get_for_agent(agent, ticket.pk))
