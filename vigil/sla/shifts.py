"""Who is on shift, and when: weekly patterns in each agent's own time zone plus dated
exceptions. See docs/architecture.md#shifts-and-coverage.

The interval arithmetic is pure (`shift_intervals`, `on_shift`); `agents_on_shift(at=...)`
reads the rows. An agent without any weekly pattern has no schedule: they count as on shift
while their presence is online (so a desk that keeps no shifts routes as before), unless
time off covers the instant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent
from vigil.sla.choices import ExceptionKind
from vigil.sla.models import ShiftException, ShiftPattern


@dataclass(frozen=True, slots=True)
class WeeklyShift:
    """weekday 0 (Monday) … 6; an end at or before the start crosses midnight."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class DatedException:
    kind: str  # ExceptionKind
    starts_at: datetime
    ends_at: datetime


type Interval = tuple[datetime, datetime]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Wall time `at` on `day` in `tz` as UTC. A wall time that does not exist (spring
    forward) is read with the offset before the gap, i.e. it lands just after the gap."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def shift_intervals(
    shifts: Iterable[WeeklyShift], tz: ZoneInfo, start: datetime, end: datetime
) -> list[Interval]:
    """The UTC intervals of the weekly `shifts` (wall times in `tz`) that overlap
    [start, end), merged and sorted."""
    shifts = list(shifts)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    out: list[Interval] = []
    day = first
    while day <= last:
        for s in shifts:
            if s.weekday != day.weekday():
                continue
            begin = _local(day, s.start, tz)
            finish_day = day + timedelta(days=1) if s.end <= s.start else day
            finish = _local(finish_day, s.end, tz)
            if finish > start and begin < end and finish > begin:
                out.append((max(begin, start), min(finish, end)))
        day += timedelta(days=1)
    return merge(out)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def subtract(intervals: Sequence[Interval], holes: Iterable[Interval]) -> list[Interval]:
    out = list(intervals)
    for h0, h1 in holes:
        nxt: list[Interval] = []
        for a, b in out:
            if h1 <= a or h0 >= b:
                nxt.append((a, b))
                continue
            if a < h0:
                nxt.append((a, h0))
            if h1 < b:
                nxt.append((h1, b))
        out = nxt
    return out


def schedule(
    shifts: Iterable[WeeklyShift],
    exceptions: Iterable[DatedException],
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
) -> list[Interval]:
    """When the agent is on shift within [start, end): patterns plus extra shifts minus
    time off (time off wins over an extra shift that overlaps it)."""
    exceptions = list(exceptions)
    extra = [(e.starts_at, e.ends_at) for e in exceptions if e.kind == ExceptionKind.EXTRA]
    off = [(e.starts_at, e.ends_at) for e in exceptions if e.kind == ExceptionKind.OFF]
    clipped = [(max(a, start), min(b, end)) for a, b in extra if b > start and a < end]
    return subtract(merge([*shift_intervals(shifts, tz, start, end), *clipped]), off)


def on_shift(
    shifts: Iterable[WeeklyShift], exceptions: Iterable[DatedException], tz: ZoneInfo, at: datetime
) -> bool:
    return bool(schedule(shifts, exceptions, tz, at, at + timedelta(microseconds=1)))


# --- rows ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentSchedule:
    agent_id: int
    tz: ZoneInfo
    languages: tuple[str, ...]
    online: bool
    shifts: tuple[WeeklyShift, ...]
    exceptions: tuple[DatedException, ...]

    @property
    def scheduled(self) -> bool:
        return bool(self.shifts)


def agent_schedules(*, start: datetime, end: datetime) -> list[AgentSchedule]:
    """Every active agent with their patterns and the exceptions overlapping [start, end);
    three queries."""
    agents = list(
        Agent.objects.filter(user__is_active=True).values_list(
            "pk", "timezone", "languages", "presence"
        )
    )
    shifts: dict[int, list[WeeklyShift]] = {}
    for agent_id, weekday, s, e in ShiftPattern.objects.values_list(
        "agent_id", "weekday", "start", "end"
    ):
        shifts.setdefault(agent_id, []).append(WeeklyShift(weekday, s, e))
    exceptions: dict[int, list[DatedException]] = {}
    for agent_id, kind, a, b in ShiftException.objects.filter(
        ends_at__gt=start, starts_at__lt=end
    ).values_list("agent_id", "kind", "starts_at", "ends_at"):
        exceptions.setdefault(agent_id, []).append(DatedException(kind, a, b))
    return [
        AgentSchedule(
            agent_id=pk,
            tz=zone(tz),
            languages=tuple(languages or ()),
            online=presence == Presence.ONLINE,
            shifts=tuple(shifts.get(pk, ())),
            exceptions=tuple(exceptions.get(pk, ())),
        )
        for pk, tz, languages, presence in agents
    ]


def _is_on(s: AgentSchedule, at: datetime) -> bool:
    if s.scheduled:
        return on_shift(s.shifts, s.exceptions, s.tz, at)
    extra = [(e.starts_at, e.ends_at) for e in s.exceptions if e.kind == ExceptionKind.EXTRA]
    off = [(e.starts_at, e.ends_at) for e in s.exceptions if e.kind == ExceptionKind.OFF]
    if any(a <= at < b for a, b in off):
        return False
    return s.online or any(a <= at < b for a, b in extra)


def agents_on_shift(*, at: datetime) -> set[int]:
    """Ids of the agents on shift at `at` (see the module docstring for agents without
    a schedule)."""
    schedules = agent_schedules(start=at, end=at + timedelta(microseconds=1))
    return {s.agent_id for s in schedules if _is_on(s, at)}
