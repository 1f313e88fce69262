"""Template helpers of the routing page and the presence switch.

See docs/architecture.md#routing-and-assignment.
"""

from __future__ import annotations

from django import template

from vigil.accounts.choices import Presence
from vigil.accounts.models import Team
from vigil.routing.models import TeamRouting

register = template.Library()


@register.filter
def team_routing(team: Team | None) -> TeamRouting:
    """The team's assignment settings (selected with it), or the defaults."""
    if team is None:
        return TeamRouting()
    try:
        routing: TeamRouting = team.routing
    except TeamRouting.DoesNotExist:
        return TeamRouting(team=team)
    return routing


@register.simple_tag
def presence_choices() -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in Presence.choices]
