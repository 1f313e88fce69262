"""Factories for agents and teams."""

from __future__ import annotations

import itertools

from vigil.accounts.choices import Presence, Role
from vigil.accounts.models import Agent, Team
from vigil.accounts.services import agent_create, team_create

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-9"


def make_team(*, name: str | None = None, languages: tuple[str, ...] = ("en",)) -> Team:
    return team_create(name=name or f"Team {next(_seq)}", languages=languages)


def make_agent(
    *,
    email: str | None = None,
    role: str = Role.TIER2,
    languages: tuple[str, ...] = ("en",),
    teams: tuple[Team, ...] = (),
    presence: str = Presence.ONLINE,
    display_name: str = "",
) -> Agent:
    n = next(_seq)
    agent = agent_create(
        email=email or f"agent{n}@desk.test",
        password=PASSWORD,
        display_name=display_name or f"Agent {n}",
        role=role,
        languages=languages,
        teams=teams,
    )
    if presence != agent.presence:
        Agent.objects.filter(pk=agent.pk).update(presence=presence)
        agent.presence = presence
    return agent
