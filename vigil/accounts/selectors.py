"""Reads for agents and tokens. See docs/architecture.md#accounts."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent, ApiToken, Team
from vigil.accounts.services import TOKEN_PREFIX, token_digest
from vigil.core.errors import NotFound
from vigil.core.prepared import Prepared


def agent_for_user(user: AbstractBaseUser | AnonymousUser) -> Agent | None:
    if not user.is_authenticated:
        return None
    try:
        return Agent.objects.prefetch_related("teams").get(user_id=user.pk)
    except Agent.DoesNotExist:
        return None


def agent_get_by_email(*, email: str) -> Agent | None:
    return Agent.objects.filter(user__username=email.strip().lower()).first()


_MEMBERSHIPS = Prepared(lambda agent_id: Agent.teams.through.objects.filter(agent_id=agent_id))
_TOKEN = Prepared(
    lambda digest: ApiToken.objects.select_related("agent__user").filter(
        digest=digest, revoked_at__isnull=True, agent__user__is_active=True
    ),
    str,
)


def agent_team_ids(agent: Agent) -> set[int] | None:
    """The teams whose tickets the agent sees; None when the agent sees the whole desk."""
    if agent.sees_whole_desk:
        return None
    return {row.team_id for row in _MEMBERSHIPS.all(agent.pk)}


def agents_list() -> QuerySet[Agent]:
    return Agent.objects.select_related("user").prefetch_related("teams").order_by("display_name")


def api_token_lookup(token: str) -> ApiToken | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return _TOKEN.first(token_digest(token))  # on every API request: compiled once


def agents_skilled(
    *, language: str = "", category: str = "", online_only: bool = True
) -> QuerySet[Agent]:
    """Active agents who speak `language` and handle `category` (an agent with no categories
    handles any), online ones only unless `online_only` is false. Chat offering and ticket
    assignment both start from this set and then apply their own capacity rules."""
    agents = Agent.objects.filter(user__is_active=True).select_related("user")
    if online_only:
        agents = agents.filter(presence=Presence.ONLINE)
    matching = [
        agent.pk
        for agent in agents.select_related(None).only("pk", "languages", "categories")
        if (not language or language in agent.languages)
        and (not category or not agent.categories or category in agent.categories)
    ]
    return agents.filter(pk__in=matching)


def teams_with_members() -> QuerySet[Team]:
    """Teams with their fallback, members and assignment settings (routing.TeamRouting), in
    two queries however many teams."""
    return (
        Team.objects.select_related("fallback", "routing")
        .prefetch_related("agents")
        .order_by("name")
    )


def team_get(team_id: int) -> Team:
    team = teams_with_members().filter(pk=team_id).first()
    if team is None:
        raise NotFound(f"no team {team_id}")
    return team


def agent_get(agent_id: int) -> Agent:
    agent = agents_list().filter(pk=agent_id).first()
    if agent is None:
        raise NotFound(f"no agent {agent_id}")
    return agent
