"""Shifts: weekly patterns in the agent's zone, midnight crossing, exceptions, on-shift ids."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tests.factories.accounts import make_agent
from tests.factories.sla import make_exception, make_shift, make_week
from vigil.accounts.models import Agent
from vigil.sla.shifts import WeeklyShift, agents_on_shift, shift_intervals


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _tz(agent: Agent, name: str) -> Agent:
    Agent.objects.filter(pk=agent.pk).update(timezone=name)
    return agent


def test_midnight_crossing_shift_intervals_in_utc() -> None:
    # Friday 22:00 to Saturday 06:00 in Los Angeles (PST, UTC-8 in January).
    shifts = [WeeklyShift(4, time(22), time(6))]
    got = shift_intervals(
        shifts, ZoneInfo("America/Los_Angeles"), utc(2027, 1, 8), utc(2027, 1, 11)
    )
    assert got == [(utc(2027, 1, 9, 6), utc(2027, 1, 9, 14))]


def test_shift_over_a_dst_change_keeps_wall_times() -> None:
    # New York springs forward on Sunday 2027-03-14: 09:00-17:00 is 14-22 UTC on Friday and
    # 13-21 UTC on Monday.
    shifts = [WeeklyShift(4, time(9), time(17)), WeeklyShift(0, time(9), time(17))]
    got = shift_intervals(shifts, ZoneInfo("America/New_York"), utc(2027, 3, 12), utc(2027, 3, 16))
    assert got == [
        (utc(2027, 3, 12, 14), utc(2027, 3, 12, 22)),
        (utc(2027, 3, 15, 13), utc(2027, 3, 15, 21)),
    ]


@pytest.mark.django_db
def test_agents_on_shift_across_zones_and_exceptions() -> None:
    shanghai = _tz(make_agent(languages=("zh-hans",), presence="offline"), "Asia/Shanghai")
    la = _tz(make_agent(languages=("en",), presence="offline"), "America/Los_Angeles")
    make_week(agent=shanghai, start="09:00", end="18:00")  # 01:00-10:00 UTC
    make_shift(agent=la, weekday=4, start="22:00", end="06:00")  # Fri night
    unscheduled_online = make_agent(presence="online")
    make_agent(presence="offline")  # no schedule, offline: never on shift

    # Monday 2027-01-11 02:00 UTC = 10:00 Shanghai.
    assert agents_on_shift(at=utc(2027, 1, 11, 2)) == {shanghai.pk, unscheduled_online.pk}
    # Saturday 2027-01-09 07:00 UTC = Fri 23:00 in LA: the night shift; Shanghai is off.
    assert agents_on_shift(at=utc(2027, 1, 9, 7)) == {la.pk, unscheduled_online.pk}
    # Time off on Monday morning (Shanghai) removes them; an extra shift on Sunday adds them.
    make_exception(
        agent=shanghai, kind="off", starts_at=utc(2027, 1, 11, 0), ends_at=utc(2027, 1, 11, 12)
    )
    make_exception(
        agent=shanghai, kind="extra", starts_at=utc(2027, 1, 10, 3), ends_at=utc(2027, 1, 10, 5)
    )
    assert shanghai.pk not in agents_on_shift(at=utc(2027, 1, 11, 2))
    assert shanghai.pk in agents_on_shift(at=utc(2027, 1, 10, 4))
    assert shanghai.pk not in agents_on_shift(at=utc(2027, 1, 10, 5))
    make_exception(
        agent=unscheduled_online,
        kind="off",
        starts_at=utc(2027, 1, 11, 0),
        ends_at=utc(2027, 1, 11, 12),
    )
    assert unscheduled_online.pk not in agents_on_shift(at=utc(2027, 1, 11, 2))
