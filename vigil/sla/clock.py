"""Business-time arithmetic: pure functions over a calendar. See docs/architecture.md#slas.

A calendar is open during its business hours (local wall time in its zone, per weekday,
several intervals a day allowed) except on its holidays (dates in its zone), or always
(24/7). Business time between two instants is the real time elapsed while the calendar was
open, so across a daylight-saving change an interval 00:00-03:00 lasts 2 h (spring) or 4 h
(autumn). A wall time that does not exist (inside the spring gap) starts at the end of the
gap; instants are aware datetimes and results are in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
MAX_DAYS = 3 * 366  # a calendar open less often than this has no business time at all


class ClockError(ValueError):
    """The calendar has no business time to count (no hours on any day)."""


type Hours = Mapping[int, Sequence[tuple[int, int]]]  # weekday -> [(start, end) minutes]


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    always_open: bool = True
    hours: Hours = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()


ALWAYS = BusinessCalendar()


def parse_clock(value: str) -> int:
    """ "09:30" -> 570; "24:00" -> 1440 (the end of the day)."""
    hh, _, mm = value.strip().partition(":")
    if not (hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(f"{value!r} is not a time HH:MM")
    minutes = int(hh) * 60 + int(mm)
    if int(mm) >= 60 or minutes > DAY_MINUTES:
        raise ValueError(f"{value!r} is not a time of day")
    return minutes


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hours(raw: Mapping[str, Any]) -> dict[int, list[tuple[int, int]]]:
    """{"0": [["09:00", "18:00"]], ...} -> {0: [(540, 1080)]}; raises ValueError."""
    out: dict[int, list[tuple[int, int]]] = {}
    for key, intervals in raw.items():
        weekday = int(key)
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday {key!r} is not 0 (Monday) to 6 (Sunday)")
        parsed = sorted((parse_clock(a), parse_clock(b)) for a, b in intervals)
        for (a, b), nxt in zip(parsed, [*parsed[1:], None], strict=True):
            if b <= a:
                raise ValueError(f"{format_clock(a)}-{format_clock(b)} ends before it starts")
            if nxt is not None and nxt[0] < b:
                raise ValueError(f"{format_clock(a)}-{format_clock(b)} overlaps the next one")
        if parsed:
            out[weekday] = parsed
    return out


def _instant(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    day += timedelta(days=minutes // DAY_MINUTES)
    minutes %= DAY_MINUTES
    # A wall time inside the spring gap is read (fold=0) with the offset before the gap, so
    # it lands after the gap by as much as it lay in it (02:00 -> 03:00, 02:30 -> 03:30).
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=tz)
    return local.astimezone(UTC)


def open_intervals(cal: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The calendar's open intervals on local `day`, in UTC."""
    if day in cal.holidays:
        return []
    out = []
    for a, b in cal.hours.get(day.weekday(), ()):
        begin, end = _instant(day, a, cal.tz), _instant(day, b, cal.tz)
        if end > begin:
            out.append((begin, end))
    return out


def _intervals_from(cal: BusinessCalendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals (clipped) from `start` on, in order; stops after MAX_DAYS days."""
    day = start.astimezone(cal.tz).date() - timedelta(days=1)
    for _ in range(MAX_DAYS):
        for begin, end in open_intervals(cal, day):
            if end > start:
                yield max(begin, start), end
        day += timedelta(days=1)


def add_business_time(start: datetime, delta: timedelta, cal: BusinessCalendar) -> datetime:
    """The instant when `delta` of business time has passed from `start`."""
    if delta < timedelta(0):
        raise ValueError("business time cannot run backwards")
    if cal.always_open:
        return (start + delta).astimezone(UTC)
    left = delta
    for begin, end in _intervals_from(cal, start):
        if end - begin >= left:
            return begin + left
        left -= end - begin
    raise ClockError("the calendar has no business hours")


def business_time_between(a: datetime, b: datetime, cal: BusinessCalendar) -> timedelta:
    """Business time from `a` to `b` (negative when b is before a)."""
    if b < a:
        return -business_time_between(b, a, cal)
    if cal.always_open:
        return b - a
    total = timedelta(0)
    for begin, end in _intervals_from(cal, a):
        if begin >= b:
            break
        total += min(end, b) - begin
    return total


def add_business_minutes(start: datetime, minutes: float, cal: BusinessCalendar) -> datetime:
    return add_business_time(start, timedelta(minutes=minutes), cal)


def business_minutes_between(a: datetime, b: datetime, cal: BusinessCalendar) -> float:
    return business_time_between(a, b, cal) / timedelta(minutes=1)
