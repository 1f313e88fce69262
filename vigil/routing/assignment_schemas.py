"""API shapes of routing rules, teams' assignment settings and "Next ticket".

See docs/architecture.md#routing-and-assignment.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from vigil.accounts.schemas import TeamRef
from vigil.api_types import LanguageCode, ObjectId, Text
from vigil.routing.choices import Strategy
from vigil.routing.models import RoutingRule


class RuleOut(Schema):
    id: int
    name: str
    position: int
    enabled: bool
    languages: list[str]
    categories: list[str]
    channels: list[str]
    min_priority: int | None
    tones: list[str]
    security_only: bool
    min_vip_tier: int | None
    team: TeamRef
    set_priority: int | None

    @staticmethod
    def resolve_team(obj: RoutingRule) -> TeamRef:
        return TeamRef(id=obj.team.pk, name=obj.team.name)


class RuleIn(Schema):
    """A rule's fields; on PATCH, omitted ones stay as they are. Empty lists match anything."""

    name: Text | None = Field(None, max_length=100)
    enabled: bool | None = None
    languages: list[LanguageCode] | None = None
    categories: list[Text] | None = None
    channels: list[Text] | None = None
    min_priority: int | None = None
    tones: list[Text] | None = None
    security_only: bool | None = None
    min_vip_tier: int | None = None
    team_id: ObjectId | None = None
    set_priority: int | None = None


class RuleOrderIn(Schema):
    rule_ids: list[ObjectId] = Field(max_length=1000)


class TeamRoutingIn(Schema):
    strategy: Strategy | None = None
    sticky: bool | None = None
    return_after_minutes: int | None = Field(None, ge=1, le=1440)
