"""API shapes of agents and teams. See docs/architecture.md#entry-points."""

from __future__ import annotations

from ninja import Schema

from vigil.accounts.choices import Presence, Role
from vigil.accounts.models import Agent


class TeamRef(Schema):
    id: int
    name: str


class AgentRef(Schema):
    id: int
    display_name: str


class TeamOut(Schema):
    id: int
    name: str
    languages: list[str]
    description: str


class AgentOut(Schema):
    id: int
    display_name: str
    email: str
    role: Role
    languages: list[str]
    capacity: int
    presence: Presence
    teams: list[TeamRef]

    @staticmethod
    def resolve_email(obj: Agent) -> str:
        return obj.user.email

    @staticmethod
    def resolve_teams(obj: Agent) -> list[TeamRef]:
        return [TeamRef(id=t.pk, name=t.name) for t in obj.teams.all()]


class MeOut(AgentOut):
    sees_whole_desk: bool
