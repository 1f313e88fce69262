"""Reads of SLA policies, calendars and targets. See docs/architecture.md#slas.

Policies and calendars are read on every ticket event, so they are cached per process for
POLICY_CACHE_SECONDS; an edit clears this process's cache at once, other processes see it
within that time.
"""

from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from vigil.accounts.models import Agent
from vigil.core.errors import NotFound
from vigil.core.prepared import Prepared
from vigil.sla.clock import ALWAYS, BusinessCalendar, parse_hours
from vigil.sla.models import (
    Calendar,
    Holiday,
    ShiftException,
    ShiftPattern,
    SlaPolicy,
    TicketSla,
)
from vigil.sla.shifts import zone

POLICY_CACHE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class PolicyView:
    """An active policy as the clock needs it."""

    id: int
    name: str
    calendar: BusinessCalendar
    minutes: dict[str, int | None]  # TargetKind -> minutes
    warn_percent: int
    warn_minutes: int | None
    escalate_raise_priority: bool
    escalate_unassign: bool
    escalate_team_id: int | None


_lock = threading.Lock()
_cache: dict[str, object] = {}


def sla_cache_clear() -> None:
    with _lock:
        _cache.clear()


def calendar_view(calendar: Calendar, holidays: list[Holiday] | None = None) -> BusinessCalendar:
    if calendar.always_open:
        return ALWAYS
    days = holidays if holidays is not None else list(calendar.holidays.all())
    return BusinessCalendar(
        tz=zone(calendar.timezone),
        always_open=False,
        hours=parse_hours(calendar.hours or {}),
        holidays=frozenset(h.date for h in days),
    )


def _load() -> dict[tuple[int, str], PolicyView]:
    holidays: dict[int, list[Holiday]] = {}
    for h in Holiday.objects.all():
        holidays.setdefault(h.calendar_id, []).append(h)
    calendars = {c.pk: calendar_view(c, holidays.get(c.pk, [])) for c in Calendar.objects.all()}
    out: dict[tuple[int, str], PolicyView] = {}
    for p in SlaPolicy.objects.filter(is_active=True):
        out[(p.priority, p.channel)] = PolicyView(
            id=p.pk,
            name=p.name,
            calendar=calendars.get(p.calendar_id, ALWAYS),
            minutes={
                "first_response": p.first_response_minutes,
                "next_response": p.next_response_minutes,
                "resolution": p.resolution_minutes,
            },
            warn_percent=p.warn_percent,
            warn_minutes=p.warn_minutes,
            escalate_raise_priority=p.escalate_raise_priority,
            escalate_unassign=p.escalate_unassign,
            escalate_team_id=p.escalate_team_id,
        )
    return out


def _policies() -> dict[tuple[int, str], PolicyView]:
    now = _time.monotonic()
    with _lock:
        loaded = _cache.get("at")
        if isinstance(loaded, float) and now - loaded < POLICY_CACHE_SECONDS:
            return _cache["policies"]  # type: ignore[return-value]
    policies = _load()
    with _lock:
        _cache.update(at=now, policies=policies)
    return policies


def policy_for(*, priority: int, channel: str) -> PolicyView | None:
    """The most specific active policy: (priority, channel), (priority, any channel),
    (any priority, channel), (any, any); None when nothing matches."""
    policies = _policies()
    for key in ((priority, channel), (priority, ""), (0, channel), (0, "")):
        if key in policies:
            return policies[key]
    return None


def policy_by_id(policy_id: int | None) -> PolicyView | None:
    for view in _policies().values():
        if view.id == policy_id:
            return view
    return None


# On every message of every ticket: compiled once (vigil/core/prepared.py).
_OPEN = Prepared(
    lambda ticket_id: TicketSla.objects.filter(
        ticket_id=ticket_id, met_at__isnull=True, cancelled_at__isnull=True
    )
)
_UNMET = Prepared(
    lambda ticket_id: TicketSla.objects.filter(ticket_id=ticket_id, met_at__isnull=True)
)


def open_targets(*, ticket_id: int) -> list[TicketSla]:
    return _OPEN.all(ticket_id)


def unmet_targets(*, ticket_id: int) -> list[TicketSla]:
    """Targets not met yet, cancelled ones included."""
    return _UNMET.all(ticket_id)


def ticket_targets(*, ticket_id: int) -> QuerySet[TicketSla]:
    return TicketSla.objects.filter(ticket_id=ticket_id).order_by("started_at", "id")


def calendars_list() -> QuerySet[Calendar]:
    return Calendar.objects.prefetch_related("holidays").order_by("name")


def policies_list() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("calendar", "escalate_team").order_by(
        "channel", "-priority", "name"
    )


def calendar_get(calendar_id: int) -> Calendar:
    found = calendars_list().filter(pk=calendar_id).first()
    if found is None:
        raise NotFound(f"no calendar {calendar_id}")
    return found


def policy_get(policy_id: int) -> SlaPolicy:
    found = policies_list().filter(pk=policy_id).first()
    if found is None:
        raise NotFound(f"no SLA policy {policy_id}")
    return found


def holiday_get(calendar_id: int, holiday_id: int) -> Holiday:
    found = Holiday.objects.filter(calendar_id=calendar_id, pk=holiday_id).first()
    if found is None:
        raise NotFound(f"no holiday {holiday_id} in calendar {calendar_id}")
    return found


def agent_shifts(
    *, agent_id: int, since: datetime
) -> tuple[list[ShiftPattern], list[ShiftException]]:
    """An agent's weekly pattern and the exceptions that end after `since`."""
    patterns = list(ShiftPattern.objects.filter(agent_id=agent_id).order_by("weekday", "start"))
    exceptions = list(
        ShiftException.objects.filter(agent_id=agent_id, ends_at__gt=since).order_by("starts_at")
    )
    return patterns, exceptions


def shift_exception_get(*, agent_id: int, exception_id: int) -> ShiftException:
    found = ShiftException.objects.filter(agent_id=agent_id, pk=exception_id).first()
    if found is None:
        raise NotFound(f"no shift exception {exception_id} for agent {agent_id}")
    return found


def shift_agent_get(agent_id: int) -> Agent:
    found = Agent.objects.filter(pk=agent_id).first()
    if found is None:
        raise NotFound(f"no agent {agent_id}")
    return found


def shifts_by_agent() -> list[tuple[Agent, list[ShiftPattern]]]:
    """Agents with a weekly pattern, each with their shifts (two queries)."""
    patterns: dict[int, list[ShiftPattern]] = {}
    for p in ShiftPattern.objects.order_by("weekday", "start"):
        patterns.setdefault(p.agent_id, []).append(p)
    agents = Agent.objects.filter(pk__in=patterns).order_by("display_name")
    return [(a, patterns[a.pk]) for a in agents]
