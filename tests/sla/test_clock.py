"""Business-time arithmetic against hand-computed answers: zones, holidays, DST, 24/7."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from vigil.sla.clock import (
    ALWAYS,
    BusinessCalendar,
    ClockError,
    add_business_minutes,
    business_minutes_between,
    parse_hours,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def office(tz: str, start: str, end: str, *, holidays: tuple[date, ...] = ()) -> BusinessCalendar:
    hours = parse_hours({str(d): [[start, end]] for d in range(5)})
    return BusinessCalendar(
        tz=ZoneInfo(tz), always_open=False, hours=hours, holidays=frozenset(holidays)
    )


def test_always_open_adds_wall_time() -> None:
    assert add_business_minutes(utc(2027, 3, 14, 6, 30), 90, ALWAYS) == utc(2027, 3, 14, 8)
    assert business_minutes_between(utc(2027, 1, 1), utc(2027, 1, 2), ALWAYS) == 1440


def test_tokyo_calendar_for_a_utc_ticket() -> None:
    tokyo = office("Asia/Tokyo", "09:00", "18:00")
    # Friday 2027-01-08 08:00 UTC is 17:00 in Tokyo: one business hour left that day, the
    # second from Monday 09:00 JST, so due Monday 10:00 JST = 01:00 UTC.
    start = utc(2027, 1, 8, 8)
    assert add_business_minutes(start, 120, tokyo) == utc(2027, 1, 11, 1)
    assert business_minutes_between(start, utc(2027, 1, 11, 1), tokyo) == 120
    # Before opening: Monday 2027-01-11 at 23:30 UTC on Sunday = 08:30 JST Monday.
    assert add_business_minutes(utc(2027, 1, 10, 23, 30), 30, tokyo) == utc(2027, 1, 11, 0, 30)
    # Backwards is negative.
    assert business_minutes_between(utc(2027, 1, 11, 1), start, tokyo) == -120


def test_holiday_in_the_calendars_zone_is_skipped() -> None:
    # Coming of Age Day, Monday 2027-01-11, is a holiday in Tokyo: due Tuesday 10:00 JST.
    tokyo = office("Asia/Tokyo", "09:00", "18:00", holidays=(date(2027, 1, 11),))
    assert add_business_minutes(utc(2027, 1, 8, 8), 120, tokyo) == utc(2027, 1, 12, 1)
    # Sunday 09:00 JST to Tuesday 10:00 JST: only Tuesday's first hour counts.
    assert business_minutes_between(utc(2027, 1, 10), utc(2027, 1, 12, 1), tokyo) == 60


def test_several_intervals_a_day() -> None:
    cal = BusinessCalendar(
        tz=ZoneInfo("UTC"),
        always_open=False,
        hours=parse_hours({"0": [["09:00", "12:00"], ["13:00", "18:00"]]}),
    )
    # Monday 2027-01-11 11:00 + 120 min: 60 before lunch, 60 after -> 14:00.
    assert add_business_minutes(utc(2027, 1, 11, 11), 120, cal) == utc(2027, 1, 11, 14)
    assert business_minutes_between(utc(2027, 1, 11), utc(2027, 1, 12), cal) == 480


def test_new_york_spring_forward() -> None:
    ny = office("America/New_York", "09:00", "17:00")
    # Friday 2027-03-12 16:30 EST (21:30 UTC) + 60 min: 30 on Friday, 30 on Monday from
    # 09:00 EDT, which is 13:00 UTC after the change on Sunday 14 March: 13:30 UTC.
    assert add_business_minutes(utc(2027, 3, 12, 21, 30), 60, ny) == utc(2027, 3, 15, 13, 30)
    # A calendar open around the clock on Sundays: the Sunday of the change lasts 23 hours.
    sundays = BusinessCalendar(
        tz=ZoneInfo("America/New_York"),
        always_open=False,
        hours=parse_hours({"6": [["00:00", "24:00"]]}),
    )
    assert business_minutes_between(utc(2027, 3, 13), utc(2027, 3, 16), sundays) == 23 * 60
    # 01:00-04:00 local on that Sunday holds two real hours (02:00-03:00 does not exist).
    early = BusinessCalendar(
        tz=ZoneInfo("America/New_York"),
        always_open=False,
        hours=parse_hours({"6": [["01:00", "04:00"]]}),
    )
    assert business_minutes_between(utc(2027, 3, 14), utc(2027, 3, 15), early) == 120
    # 90 minutes from its opening (06:00 UTC): 07:00 UTC is 03:00 EDT, so 07:30 UTC.
    assert add_business_minutes(utc(2027, 3, 14), 90, early) == utc(2027, 3, 14, 7, 30)


def test_new_york_fall_back() -> None:
    sundays = BusinessCalendar(
        tz=ZoneInfo("America/New_York"),
        always_open=False,
        hours=parse_hours({"6": [["00:00", "24:00"]]}),
    )
    # Sunday 2027-11-07 lasts 25 hours: 04:00 UTC (00:00 EDT) to 05:00 UTC next day.
    assert business_minutes_between(utc(2027, 11, 6), utc(2027, 11, 9), sundays) == 25 * 60
    assert add_business_minutes(utc(2027, 11, 7, 4), 25 * 60, sundays) == utc(2027, 11, 8, 5)


def test_london_summer_time() -> None:
    london = office("Europe/London", "09:00", "17:30")
    # Friday 2027-03-26 17:00 GMT + 60 min: 30 on Friday, 30 from Monday 09:00 BST (08:00
    # UTC; summer time began Sunday 28 March): 08:30 UTC.
    assert add_business_minutes(utc(2027, 3, 26, 17), 60, london) == utc(2027, 3, 29, 8, 30)
    # Five 8.5-hour days, then Monday 29 March 12:00 UTC is 13:00 BST: four more hours.
    got = business_minutes_between(utc(2027, 3, 22), utc(2027, 3, 29, 12), london)
    assert got == 5 * 510 + 240


def test_calendar_without_hours_cannot_add() -> None:
    empty = BusinessCalendar(always_open=False)
    with pytest.raises(ClockError):
        add_business_minutes(utc(2027, 1, 1), 1, empty)
    assert business_minutes_between(utc(2027, 1, 1), utc(2027, 1, 3), empty) == 0


def test_parse_hours_rejects_nonsense() -> None:
    for bad in ({"7": [["09:00", "10:00"]]}, {"0": [["10:00", "09:00"]]}, {"0": [["9", "10"]]}):
        with pytest.raises(ValueError):
            parse_hours(bad)
    with pytest.raises(ValueError):
        parse_hours({"0": [["09:00", "12:00"], ["11:00", "13:00"]]})
    assert add_business_minutes(utc(2027, 1, 1), 0, ALWAYS) == utc(2027, 1, 1)
