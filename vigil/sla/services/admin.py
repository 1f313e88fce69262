"""Edits of calendars, holidays, policies, shifts and shift exceptions. See
docs/architecture.md#slas and docs/architecture.md#shifts-and-coverage.

Supervisors and admins edit (`sla.edit`, `shifts.edit`); every change clears this process's
policy cache. Targets already running keep their due times; new targets use the edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.db import IntegrityError, transaction

from vigil.accounts.models import Agent, Team
from vigil.accounts.permissions import permission_require
from vigil.channels.choices import ChannelKind
from vigil.core.errors import Conflict, NotFound, ValidationFailed
from vigil.sla.choices import ExceptionKind
from vigil.sla.clock import format_clock, parse_hours
from vigil.sla.defaults import install_defaults
from vigil.sla.models import Calendar, Holiday, ShiftException, ShiftPattern, SlaPolicy
from vigil.sla.selectors import sla_cache_clear
from vigil.tickets.choices import Priority


def check_zone(name: str) -> str:
    if name not in available_timezones():
        raise ValidationFailed(f"unknown time zone {name!r} (an IANA name like Asia/Tokyo)")
    ZoneInfo(name)
    return name


def _hours(raw: Mapping[str, Any]) -> dict[str, list[list[str]]]:
    try:
        parsed = parse_hours(raw)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(f"business hours: {exc}") from None
    return {str(d): [[format_clock(a), format_clock(b)] for a, b in iv] for d, iv in parsed.items()}


def calendar_save(
    *,
    actor: Agent,
    calendar: Calendar | None = None,
    name: str,
    timezone: str = "UTC",
    always_open: bool = True,
    hours: Mapping[str, Any] | None = None,
) -> Calendar:
    permission_require(actor, "sla.edit")
    calendar = calendar or Calendar()
    calendar.name = name.strip()[:100]
    if not calendar.name:
        raise ValidationFailed("a calendar needs a name")
    calendar.timezone = check_zone(timezone)
    calendar.always_open = always_open
    calendar.hours = _hours(hours or {})
    if not always_open and not calendar.hours:
        raise ValidationFailed("a calendar that is not 24/7 needs business hours")
    try:
        with transaction.atomic():
            calendar.save()
    except IntegrityError:
        raise Conflict(f"a calendar named {calendar.name!r} exists already") from None
    sla_cache_clear()
    return calendar


def holiday_add(*, actor: Agent, calendar: Calendar, day: date, name: str = "") -> Holiday:
    permission_require(actor, "sla.edit")
    holiday, _ = Holiday.objects.update_or_create(
        calendar=calendar, date=day, defaults={"name": name.strip()[:100]}
    )
    sla_cache_clear()
    return holiday


def holiday_remove(*, actor: Agent, holiday: Holiday) -> None:
    permission_require(actor, "sla.edit")
    holiday.delete()
    sla_cache_clear()


POLICY_MINUTES = ("first_response_minutes", "next_response_minutes", "resolution_minutes")


def policy_save(
    *, actor: Agent, policy: SlaPolicy | None = None, values: Mapping[str, Any]
) -> SlaPolicy:
    """Create or change a policy from `values` (the model's field names; `calendar_id`,
    `escalate_team_id`)."""
    permission_require(actor, "sla.edit")
    if policy is None:
        policy = SlaPolicy()
        first = Calendar.objects.order_by("pk").values_list("pk", flat=True).first()
        policy.calendar_id = values.get("calendar_id", first or 0)
    for key, value in values.items():
        setattr(policy, key, value)
    if policy.priority not in (0, *Priority.values):
        raise ValidationFailed("priority is 0 (any) or 1 (low) to 4 (urgent)")
    if policy.channel and policy.channel not in ChannelKind.values:
        raise ValidationFailed(f"unknown channel {policy.channel!r}")
    if not 1 <= policy.warn_percent <= 100:
        raise ValidationFailed("warn_percent is 1 to 100")
    if not any(getattr(policy, f) for f in POLICY_MINUTES):
        raise ValidationFailed("a policy needs at least one target")
    if not Calendar.objects.filter(pk=policy.calendar_id).exists():
        raise NotFound(f"no calendar {policy.calendar_id}")
    if policy.escalate_team_id and not Team.objects.filter(pk=policy.escalate_team_id).exists():
        raise NotFound(f"no team {policy.escalate_team_id}")
    policy.name = (policy.name or "").strip()[:100] or "Policy"
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:
        raise Conflict("an active policy for this priority and channel exists already") from None
    sla_cache_clear()
    return policy


def sla_defaults_install(*, actor: Agent | None) -> int:
    """The default set (vigil/sla/defaults.py) where nothing active covers its key."""
    if actor is not None:
        permission_require(actor, "sla.edit")
    created = install_defaults(Calendar, SlaPolicy)
    sla_cache_clear()
    return created


def shifts_set(
    *, actor: Agent, agent: Agent, shifts: Sequence[tuple[int, time, time]]
) -> list[ShiftPattern]:
    """Replace `agent`'s weekly pattern: (weekday, start, end) in the agent's time zone; an
    end at or before the start crosses midnight."""
    permission_require(actor, "shifts.edit")
    rows = []
    for weekday, start, end in shifts:
        if not 0 <= weekday <= 6:
            raise ValidationFailed("weekday is 0 (Monday) to 6 (Sunday)")
        if start == end:
            raise ValidationFailed("a shift cannot start and end at the same time")
        rows.append(ShiftPattern(agent=agent, weekday=weekday, start=start, end=end))
    with transaction.atomic():
        ShiftPattern.objects.filter(agent=agent).delete()
        ShiftPattern.objects.bulk_create(rows)
    return rows


def shift_exception_add(
    *,
    actor: Agent,
    agent: Agent,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    note: str = "",
) -> ShiftException:
    permission_require(actor, "shifts.edit")
    if kind not in ExceptionKind.values:
        raise ValidationFailed(f"kind is one of {', '.join(ExceptionKind.values)}")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationFailed("give times with their offset (e.g. 2027-01-11T09:00+08:00)")
    if ends_at <= starts_at:
        raise ValidationFailed("an exception ends after it starts")
    return ShiftException.objects.create(
        agent=agent, kind=kind, starts_at=starts_at, ends_at=ends_at, note=note.strip()[:200]
    )


def shift_exception_remove(*, actor: Agent, exception: ShiftException) -> None:
    permission_require(actor, "shifts.edit")
    exception.delete()
