"""Which team gets a ticket: routing rules, the channel's default team, the fallback chain.

See docs/architecture.md#routing-and-assignment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from vigil.accounts.models import Agent, Team
from vigil.routing.models import RoutingRule
from vigil.routing.shifts import on_shift_ids
from vigil.tickets.choices import Category
from vigil.tickets.models import Ticket

MAX_FALLBACK_HOPS = 10


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """Where a ticket went and why. `fields` are the Ticket fields `ticket_route` changed."""

    team: Team | None
    reason: str
    rule_id: int | None = None
    fallback_from: tuple[str, ...] = ()  # teams passed over, first the one chosen by the rule
    priority_raised: bool = False
    fields: tuple[str, ...] = ()


def rule_matches(rule: RoutingRule, ticket: Ticket, *, vip_tier: int) -> bool:
    """All of the rule's conditions hold for the ticket; an empty condition matches anything."""
    if rule.languages and ticket.language not in rule.languages:
        return False
    if rule.categories and ticket.category not in rule.categories:
        return False
    if rule.channels and ticket.channel not in rule.channels:
        return False
    if rule.min_priority is not None and ticket.priority < rule.min_priority:
        return False
    if rule.tones and ticket.tone not in rule.tones:
        return False
    if rule.security_only and not (ticket.security_flag or ticket.category == Category.SECURITY):
        return False
    return rule.min_vip_tier is None or vip_tier >= rule.min_vip_tier


def enabled_rules() -> list[RoutingRule]:
    return list(RoutingRule.objects.filter(enabled=True).select_related("team"))


def _vip_tier(ticket: Ticket) -> int:
    customer = ticket.customer if ticket.customer_id else None
    return int(getattr(customer, "vip_tier", 0) or 0)


def _choose(
    ticket: Ticket, rules: Sequence[RoutingRule]
) -> tuple[Team | None, RoutingRule | None, str]:
    # The customer's VIP tier only when a rule asks (it may cost a query).
    vip = _vip_tier(ticket) if any(r.min_vip_tier is not None for r in rules) else 0
    for rule in rules:
        if rule_matches(rule, ticket, vip_tier=vip):
            return rule.team, rule, f"rule {rule.name!r} (#{rule.position})"
    account = ticket.channel_account
    if account is not None and account.default_team_id is not None:
        return account.default_team, None, f"default team of channel account {account.name!r}"
    return None, None, "no rule matched and the channel account has no default team"


def team_has_speaker_on_shift(team: Team, *, language: str, on_shift: set[int]) -> bool:
    """Someone of `team` who speaks `language` (any language when empty) is on shift."""
    if not on_shift:
        return False
    rows = Agent.objects.filter(
        teams=team, pk__in=sorted(on_shift), user__is_active=True
    ).values_list("languages", flat=True)
    return any(not language or language in (langs or []) for langs in rows)


def _follow_fallbacks(
    team: Team, *, language: str, on_shift: set[int]
) -> tuple[Team, tuple[str, ...]]:
    """The first team along the fallback chain with a speaker on shift; the chain's last team
    (or `team` itself) when none has one. Loops are cut."""
    passed: list[str] = []
    seen = {team.pk}
    current = team
    for _hop in range(MAX_FALLBACK_HOPS):
        if team_has_speaker_on_shift(current, language=language, on_shift=on_shift):
            return current, tuple(passed)
        if current.fallback_id is None or current.fallback_id in seen:
            break
        passed.append(current.name)
        current = Team.objects.get(pk=current.fallback_id)
        seen.add(current.pk)
    return current, tuple(passed)


def ticket_route(
    *,
    ticket: Ticket,
    rules: Sequence[RoutingRule] | None = None,
    at: datetime | None = None,
) -> RouteDecision:
    """Choose the ticket's team and set it, with `fallback_routed`, a raised priority and
    `triage["route"]`, on the ticket in memory; the caller saves `decision.fields` (ingestion
    writes them with its own statements, in its transaction).

    The first enabled rule by position whose conditions hold wins; otherwise the channel
    account's default team. If nobody of that team who speaks the ticket's language is on
    shift, the ticket goes along the team's fallback chain and is marked fallback-routed."""
    if rules is None:
        rules = enabled_rules()
    team, rule, reason = _choose(ticket, rules)
    fields: list[str] = []
    passed: tuple[str, ...] = ()
    if team is not None:
        on_shift = on_shift_ids(at=at or timezone.now())
        if team.fallback_id is not None:
            chosen, passed = _follow_fallbacks(team, language=ticket.language, on_shift=on_shift)
            if passed:
                lang = ticket.language or "any language"
                reason += f"; nobody for {lang} on shift in {', '.join(passed)}: fallback"
                team = chosen
                ticket.fallback_routed = True
                fields.append("fallback_routed")
    raised = False
    if rule is not None and rule.set_priority is not None and rule.set_priority > ticket.priority:
        ticket.priority = rule.set_priority
        raised = True
        fields.append("priority")
    if team is not None and ticket.team_id != team.pk:
        ticket.team = team
        fields.append("team")
    route: dict[str, Any] = {"value": team.name if team else None, "reason": reason}
    if rule is not None:
        route["rule_id"] = rule.pk
    ticket.triage = {**(ticket.triage or {}), "route": route}
    fields.append("triage")
    return RouteDecision(
        team=team,
        reason=reason,
        rule_id=rule.pk if rule else None,
        fallback_from=passed,
        priority_raised=raised,
        fields=tuple(fields),
    )
