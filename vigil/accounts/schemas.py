"""API shapes of agents and teams. See docs/architecture.md#entry-points."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from vigil.accounts.choices import Presence, Role
from vigil.accounts.models import Agent, Team
from vigil.api_types import LanguageCode, ObjectId, Text


class TeamRef(Schema):
    id: int
    name: str


class AgentRef(Schema):
    id: int
    display_name: str


class TeamRoutingOut(Schema):
    strategy: str
    sticky: bool
    return_after_minutes: int


class TeamOut(Schema):
    id: int
    name: str
    languages: list[str]
    categories: list[str]
    description: str
    fallback: TeamRef | None
    members: list[AgentRef]
    routing: TeamRoutingOut

    @staticmethod
    def resolve_fallback(obj: Team) -> TeamRef | None:
        return TeamRef(id=obj.fallback.pk, name=obj.fallback.name) if obj.fallback else None

    @staticmethod
    def resolve_members(obj: Team) -> list[AgentRef]:
        return [AgentRef(id=a.pk, display_name=a.display_name) for a in obj.agents.all()]

    @staticmethod
    def resolve_routing(obj: Team) -> TeamRoutingOut:
        from vigil.routing.models import TeamRouting

        try:
            routing = obj.routing
        except TeamRouting.DoesNotExist:
            routing = TeamRouting(team=obj)
        return TeamRoutingOut(
            strategy=routing.strategy,
            sticky=routing.sticky,
            return_after_minutes=routing.return_after_minutes,
        )


class TeamIn(Schema):
    """A team's fields; on PATCH, omitted ones stay as they are (send `fallback_id: null` to
    remove the fallback)."""

    name: Text | None = Field(None, max_length=100)
    languages: list[LanguageCode] | None = None
    categories: list[Text] | None = None
    description: Text | None = Field(None, max_length=2000)
    fallback_id: ObjectId | None = None
    member_ids: list[ObjectId] | None = None


class SkillsIn(Schema):
    """An agent's skills; omitted fields stay as they are. `role` is the tier."""

    languages: list[LanguageCode] | None = None
    categories: list[Text] | None = None
    role: Role | None = None
    capacity: int | None = Field(None, ge=0, le=100)
    chat_capacity: int | None = Field(None, ge=0, le=100)
    timezone: Text | None = Field(None, max_length=64)


class PresenceIn(Schema):
    presence: Presence


class PresenceOut(Schema):
    presence: Presence
    presence_changed_at: datetime | None
    last_seen_at: datetime | None


class AgentOut(Schema):
    id: int
    display_name: str
    email: str
    role: Role
    languages: list[str]
    categories: list[str]
    capacity: int
    chat_capacity: int
    timezone: str
    presence: Presence
    last_seen_at: datetime | None
    teams: list[TeamRef]

    @staticmethod
    def resolve_email(obj: Agent) -> str:
        return obj.user.email

    @staticmethod
    def resolve_teams(obj: Agent) -> list[TeamRef]:
        return [TeamRef(id=t.pk, name=t.name) for t in obj.teams.all()]


class MeOut(AgentOut):
    sees_whole_desk: bool
