"""API endpoints for who works the desk: the caller, agents, teams, skills and presence.

See docs/architecture.md#entry-points. Editing teams and skills needs the `team.edit`
permission (supervisors and admins; vigil/accounts/permissions.py).
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from vigil.accounts.models import Agent, Team
from vigil.accounts.schemas import (
    AgentOut,
    MeOut,
    PresenceIn,
    PresenceOut,
    SkillsIn,
    TeamIn,
    TeamOut,
)
from vigil.accounts.selectors import agent_get, agents_list, team_get, teams_with_members
from vigil.accounts.services import (
    UNSET,
    agent_set_presence,
    agent_skills_update,
    presence_heartbeat,
    team_create,
    team_update,
)
from vigil.api_types import ERRORS, ObjectId, request_agent
from vigil.core.errors import ValidationFailed

router = Router(tags=["agents"])


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The calling agent")
def me(request: HttpRequest) -> Agent:
    return request_agent(request)


@router.put("/me/presence", response={200: PresenceOut, **ERRORS}, summary="Set my presence")
def presence_set(request: HttpRequest, payload: PresenceIn) -> Agent:
    return agent_set_presence(agent=request_agent(request), presence=payload.presence)


@router.post(
    "/me/heartbeat",
    response={200: PresenceOut, **ERRORS},
    summary="I am still here (keeps an API client's presence from timing out)",
)
def heartbeat(request: HttpRequest) -> Agent:
    agent = request_agent(request)
    agent.last_seen_at = presence_heartbeat(agent_id=agent.pk, seen=agent.last_seen_at)
    return agent


@router.get("/agents", response={200: list[AgentOut], **ERRORS}, summary="All agents")
def agents(request: HttpRequest) -> list[Agent]:
    return list(agents_list())


@router.patch(
    "/agents/{agent_id}/skills",
    response={200: AgentOut, **ERRORS},
    summary="Change an agent's languages, categories, tier, capacities, time zone",
)
def agent_skills(request: HttpRequest, agent_id: ObjectId, payload: SkillsIn) -> Agent:
    agent_skills_update(
        actor=request_agent(request),
        agent=agent_get(agent_id),
        languages=payload.languages,
        categories=payload.categories,
        role=payload.role,
        capacity=payload.capacity,
        chat_capacity=payload.chat_capacity,
        timezone_name=payload.timezone,
    )
    return agent_get(agent_id)


@router.get("/teams", response={200: list[TeamOut], **ERRORS}, summary="All teams")
def teams(request: HttpRequest) -> list[Team]:
    return list(teams_with_members())


def _team_changes(request: HttpRequest, team: Team, payload: TeamIn) -> Team:
    given = payload.model_fields_set
    fallback: Team | object | None = UNSET
    if "fallback_id" in given:
        fallback = team_get(payload.fallback_id) if payload.fallback_id else None
    members = None
    if payload.member_ids is not None:
        members = [agent_get(i) for i in dict.fromkeys(payload.member_ids)]
    team_update(
        actor=request_agent(request),
        team=team,
        name=payload.name,
        languages=payload.languages,
        categories=payload.categories,
        description=payload.description,
        fallback=fallback,
        members=members,
    )
    return team_get(team.pk)


@router.post("/teams", response={201: TeamOut, **ERRORS}, summary="Create a team")
def team_add(request: HttpRequest, payload: TeamIn) -> Status:
    if not payload.name:
        raise ValidationFailed("a team needs a name")
    team = team_create(name=payload.name, actor=request_agent(request))
    return Status(201, _team_changes(request, team, payload))


@router.patch("/teams/{team_id}", response={200: TeamOut, **ERRORS}, summary="Change a team")
def team_change(request: HttpRequest, team_id: ObjectId, payload: TeamIn) -> Team:
    return _team_changes(request, team_get(team_id), payload)
