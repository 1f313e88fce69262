"""Reads of routing rules and teams' assignment settings. See
docs/architecture.md#routing-and-assignment."""

from __future__ import annotations

from django.db.models import QuerySet

from vigil.core.errors import NotFound
from vigil.routing.models import RoutingRule


def routing_rules() -> QuerySet[RoutingRule]:
    """Every rule in evaluation order, with its team."""
    return RoutingRule.objects.select_related("team").order_by("position", "id")


def routing_rule_get(rule_id: int) -> RoutingRule:
    rule = routing_rules().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(f"no routing rule {rule_id}")
    return rule
