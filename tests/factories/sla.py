"""Factories for SLA calendars and policies, shifts and shift exceptions."""

from __future__ import annotations

from datetime import datetime, time

from vigil.accounts.models import Agent
from vigil.sla.models import ShiftException, ShiftPattern


def _t(value: str) -> time:
    return time.fromisoformat(value)


def make_shift(*, agent: Agent, weekday: int, start: str, end: str) -> ShiftPattern:
    return ShiftPattern.objects.create(agent=agent, weekday=weekday, start=_t(start), end=_t(end))


def make_week(*, agent: Agent, start: str, end: str, days: range = range(5)) -> None:
    for weekday in days:
        make_shift(agent=agent, weekday=weekday, start=start, end=end)


def make_exception(
    *, agent: Agent, kind: str, starts_at: datetime, ends_at: datetime
) -> ShiftException:
    return ShiftException.objects.create(
        agent=agent, kind=kind, starts_at=starts_at, ends_at=ends_at
    )
