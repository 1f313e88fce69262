"""API endpoints for who works the desk: the caller, agents, teams.

See docs/architecture.md#entry-points.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from vigil.accounts.models import Agent, Team
from vigil.accounts.schemas import AgentOut, MeOut, TeamOut
from vigil.accounts.selectors import agents_list
from vigil.api_types import ERRORS, request_agent

router = Router(tags=["agents"])


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The calling agent")
def me(request: HttpRequest) -> Agent:
    return request_agent(request)


@router.get("/agents", response={200: list[AgentOut], **ERRORS}, summary="All agents")
def agents(request: HttpRequest) -> list[Agent]:
    return list(agents_list())


@router.get("/teams", response={200: list[TeamOut], **ERRORS}, summary="All teams")
def teams(request: HttpRequest) -> list[Team]:
    return list(Team.objects.order_by("name"))
