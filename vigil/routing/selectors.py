"""Reads for triage: the category rules in force, agents' corrections. See
docs/architecture.md#triage.

The newest active CategoryRuleSet is the rule set triage uses (the built-in default rules when
there is none). Each process keeps the built RuleSet and checks its version against the cache
(`RULES_VERSION_KEY`, shared through Redis when configured); a process that writes a new version
sets the key, so the others rebuild on their next ticket. The key expires after
`VERSION_TTL` seconds, so a process with a local cache re-reads the database at least that often.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from vigil.accounts.models import Agent
from vigil.core.errors import PermissionDenied
from vigil.routing.models import CategoryRuleSet
from vigil.routing.triage import RuleSet, default_rules, load_rules
from vigil.tickets.choices import ActivityKind
from vigil.tickets.models import TicketActivity

RULES_VERSION_KEY = "triage:category_rules_version"
VERSION_TTL = 30
MAX_CORRECTIONS = 5000  # the newest corrections a learning run reads

_lock = threading.Lock()
_built: dict[str, tuple[int, RuleSet]] = {}


@dataclass(frozen=True, slots=True)
class Correction:
    ticket_id: int
    text: str
    before: str
    after: str


def _newest_active() -> CategoryRuleSet | None:
    return CategoryRuleSet.objects.filter(active=True).order_by("-version").first()


def category_rules_version() -> int:
    """The version of the rules in force (0: the built-in defaults), from the cache."""
    version = cache.get(RULES_VERSION_KEY)
    if version is None:
        row = CategoryRuleSet.objects.filter(active=True).order_by("-version").values("version")
        version = next((r["version"] for r in row[:1]), 0)
        cache.set(RULES_VERSION_KEY, version, VERSION_TTL)
    return int(version)


def category_rules_active() -> tuple[int, RuleSet]:
    """(version, rules) in force; built once per version and process."""
    version = category_rules_version()
    cached = _built.get("rules")
    if cached is not None and cached[0] == version:
        return cached
    row = _newest_active() if version else None
    # None: the defaults, also when the cached version was deactivated since
    built = (row.version, rules_from_data(row.rules)) if row else (0, default_rules())
    with _lock:
        _built["rules"] = built
    return built


def category_rules_cache_clear() -> None:
    """Forget the version and the built rules (tests, after a flushed database)."""
    cache.delete(RULES_VERSION_KEY)
    with _lock:
        _built.clear()


def rules_from_data(data: dict[str, Any]) -> RuleSet:
    """A stored or imported rule set: complete, not merged over the defaults."""
    return load_rules(data, replace=True)


def category_rules_get_for_agent(agent: Agent | None) -> dict[str, Any]:
    """The rules in force as JSON data (the export format), for a supervisor or admin (None:
    the command line)."""
    require_rules_editor(agent)
    version, rules = category_rules_active()
    data = rules.to_dict()
    data["version"] = version
    return data


def require_rules_editor(agent: Agent | None) -> None:
    if agent is not None and not agent.sees_whole_desk:
        raise PermissionDenied("only a supervisor or an admin may see or change triage rules")


def category_corrections(*, limit: int = MAX_CORRECTIONS) -> list[Correction]:
    """Agents' category corrections, newest per ticket (a ticket corrected twice counts once,
    with its final category), at most `limit` tickets."""
    rows = (
        TicketActivity.objects.filter(kind=ActivityKind.CATEGORY, data__has_key="correction")
        .order_by("-id")
        .values_list("ticket_id", "data")[: limit * 2]
    )
    found: dict[int, Correction] = {}
    for ticket_id, data in rows:
        if ticket_id in found or not isinstance(data, dict):
            continue
        correction = data.get("correction") or {}
        text = str(correction.get("text") or "")
        if text and data.get("to"):
            found[ticket_id] = Correction(ticket_id, text, str(data["from"]), str(data["to"]))
        if len(found) >= limit:
            break
    return list(found.values())


@dataclass(frozen=True, slots=True)
class Decision:
    """One triage decision as the ticket page shows it."""

    name: str
    value: str
    reason: str
    source: str  # "detected", "channel" or ""
    confidence: float | None


DECISIONS = ("language", "category", "priority", "tone", "secrets", "route")


def triage_decisions(ticket: Any) -> list[Decision]:
    """The decisions recorded in `ticket.triage`, in a fixed order, ready to show."""
    record = ticket.triage or {}
    shown = []
    for name in DECISIONS:
        entry = record.get(name)
        if not isinstance(entry, dict):
            continue
        value = entry.get("value")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        confidence = entry.get("confidence")
        shown.append(
            Decision(
                name=name,
                value=str(value) if value not in (None, "") else "none",
                reason=str(entry.get("reason") or ""),
                source=str(entry.get("source") or ""),
                confidence=float(confidence) if isinstance(confidence, int | float) else None,
            )
        )
    if record.get("route_hint"):
        hint = str(record["route_hint"])
        shown.append(Decision("route_hint", hint, "distressed customer: tier 2+", "", None))
    return shown
