"""Writes on routing rules and teams' assignment settings (supervisors and admins).

See docs/architecture.md#routing-and-assignment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max

from vigil.accounts.models import Agent, Team
from vigil.accounts.permissions import permission_require
from vigil.accounts.services import check_categories
from vigil.channels.choices import ChannelKind
from vigil.core.errors import ValidationFailed
from vigil.core.languages import normalize_languages
from vigil.customers.choices import VipTier
from vigil.routing.choices import Strategy
from vigil.routing.models import RoutingRule, TeamRouting
from vigil.tickets.choices import Priority

TONES = ("distressed", "abusive")
RULE_FIELDS = frozenset(
    {
        "name",
        "enabled",
        "languages",
        "categories",
        "channels",
        "min_priority",
        "tones",
        "security_only",
        "min_vip_tier",
        "team",
        "set_priority",
    }
)


def _only(values: Iterable[str], allowed: Sequence[str], what: str) -> list[str]:
    cleaned = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    unknown = [v for v in cleaned if v not in allowed]
    if unknown:
        raise ValidationFailed(f"unknown {what} {', '.join(unknown)}; one of {', '.join(allowed)}")
    return cleaned


def _in(value: int | None, allowed: Sequence[int], what: str) -> int | None:
    if value is not None and value not in allowed:
        raise ValidationFailed(f"{what} must be one of {', '.join(map(str, allowed))}")
    return value


def _clean(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - RULE_FIELDS
    if unknown:
        raise ValidationFailed(f"unknown rule fields {', '.join(sorted(unknown))}")
    clean = dict(changes)
    cleaners: dict[str, Any] = {
        "languages": normalize_languages,
        "categories": check_categories,
        "channels": lambda v: _only(v, ChannelKind.values, "channels"),
        "tones": lambda v: _only(v, TONES, "tones"),
        "min_priority": lambda v: _in(v, Priority.values, "min_priority"),
        "set_priority": lambda v: _in(v, Priority.values, "set_priority"),
        "min_vip_tier": lambda v: _in(v, VipTier.values, "min_vip_tier"),
    }
    for field, cleaner in cleaners.items():
        if field in clean:
            clean[field] = cleaner(clean[field])
    if "name" in clean:
        clean["name"] = str(clean["name"]).strip()[:100]
        if not clean["name"]:
            raise ValidationFailed("a rule needs a name")
    if "team" in clean and not isinstance(clean["team"], Team):
        raise ValidationFailed("a rule needs a team")
    return clean


def routing_rule_create(*, actor: Agent, name: str, team: Team, **conditions: Any) -> RoutingRule:
    """A new rule, placed last."""
    permission_require(actor, "routing.edit")
    fields = _clean({"name": name, "team": team, **conditions})
    with transaction.atomic():
        last = RoutingRule.objects.aggregate(m=Max("position"))["m"]
        return RoutingRule.objects.create(position=0 if last is None else last + 1, **fields)


def routing_rule_update(
    *, actor: Agent, rule: RoutingRule, changes: Mapping[str, Any]
) -> RoutingRule:
    """Change the given fields of a rule (enable or disable it with `enabled`)."""
    permission_require(actor, "routing.edit")
    fields = _clean(changes)
    for field, value in fields.items():
        setattr(rule, field, value)
    if fields:
        with transaction.atomic():
            rule.save(update_fields=[*fields, "updated_at"])
    return rule


def routing_rule_delete(*, actor: Agent, rule: RoutingRule) -> None:
    permission_require(actor, "routing.edit")
    with transaction.atomic():
        rule.delete()


def routing_rules_reorder(*, actor: Agent, rule_ids: Sequence[int]) -> list[RoutingRule]:
    """Put the rules in the given order (every rule, each once); positions become 0, 1, ..."""
    permission_require(actor, "routing.edit")
    with transaction.atomic():
        rules = {r.pk: r for r in RoutingRule.objects.select_for_update()}
        if sorted(rule_ids) != sorted(rules):
            raise ValidationFailed("the new order must list every rule exactly once")
        changed = []
        for position, rule_id in enumerate(rule_ids):
            rule = rules[rule_id]
            if rule.position != position:
                rule.position = position
                changed.append(rule)
        RoutingRule.objects.bulk_update(changed, ["position"])
    return [rules[i] for i in rule_ids]


def team_routing_update(
    *,
    actor: Agent,
    team: Team,
    strategy: str | None = None,
    sticky: bool | None = None,
    return_after_minutes: int | None = None,
) -> TeamRouting:
    """Change how a team hands out tickets; None leaves a setting as it is."""
    permission_require(actor, "routing.edit")
    if strategy is not None and strategy not in Strategy.values:
        raise ValidationFailed(
            f"unknown strategy {strategy!r}; one of {', '.join(Strategy.values)}"
        )
    if return_after_minutes is not None and not 1 <= return_after_minutes <= 24 * 60:
        raise ValidationFailed("return_after_minutes must be between 1 and 1440")
    with transaction.atomic():
        routing, _ = TeamRouting.objects.select_for_update().get_or_create(team=team)
        changes = {
            "strategy": strategy,
            "sticky": sticky,
            "return_after_minutes": return_after_minutes,
        }
        fields = [f for f, v in changes.items() if v is not None]
        for field in fields:
            setattr(routing, field, changes[field])
        if fields:
            routing.save(update_fields=fields)
    return routing
