"""Shift coverage: per language and hour, how many agents are on shift, and the gaps. See
docs/architecture.md#shifts-and-coverage.

An hour slot starts on the hour of the display zone (so a day has 23 or 25 slots across a
daylight-saving change) and an agent counts in it when on shift at its middle (:30). Only
agents with a schedule (weekly patterns, or an extra shift) count: an unscheduled agent's
hours cannot be known ahead. The languages are those of the desk's agents and teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from vigil.accounts.models import Team
from vigil.core.events import publish_on_commit
from vigil.sla.choices import ExceptionKind
from vigil.sla.events import CoverageGap
from vigil.sla.models import CoverageNotice
from vigil.sla.shifts import AgentSchedule, Interval, agent_schedules, schedule, zone

HOUR = timedelta(hours=1)
WEEK_HOURS = 7 * 24
GAP_HORIZON = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class Slot:
    starts_at: datetime  # UTC
    local: datetime  # the same instant in the display zone


@dataclass(frozen=True, slots=True)
class Coverage:
    zone: str
    slots: list[Slot]
    languages: list[str]
    counts: dict[str, list[int]]  # language -> agents on shift per slot
    gaps: dict[str, list[Interval]]  # language -> merged [start, end) with nobody

    def rows(self) -> list[tuple[str, list[tuple[Slot, int]]]]:
        return [
            (lang, list(zip(self.slots, self.counts[lang], strict=True))) for lang in self.languages
        ]


def _intervals(s: AgentSchedule, start: datetime, end: datetime) -> list[Interval]:
    if s.scheduled:
        return schedule(s.shifts, s.exceptions, s.tz, start, end)
    extras = [e for e in s.exceptions if e.kind == ExceptionKind.EXTRA]
    offs = [e for e in s.exceptions if e.kind == ExceptionKind.OFF]
    return schedule((), [*extras, *offs], s.tz, start, end) if extras else []


def first_slot(at: datetime, display_zone: str) -> datetime:
    """The start of the display zone's hour that holds `at`, in UTC."""
    local = at.astimezone(zone(display_zone))
    return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def coverage_grid(
    *, start: datetime | None = None, hours: int = WEEK_HOURS, display_zone: str = "UTC"
) -> Coverage:
    """Agents on shift per language for `hours` hourly slots from the hour holding `start`
    (default: now)."""
    tz = zone(display_zone)
    first = first_slot(start or timezone.now(), display_zone)
    end = first + hours * HOUR
    slots = [Slot(first + i * HOUR, (first + i * HOUR).astimezone(tz)) for i in range(hours)]
    schedules = agent_schedules(start=first, end=end)
    languages: set[str] = set()
    for s in schedules:
        languages.update(s.languages)
    for team_languages in Team.objects.values_list("languages", flat=True):
        languages.update(team_languages or ())
    counts = {lang: [0] * hours for lang in languages}
    for s in schedules:
        for a, b in _intervals(s, first, end):
            for i, slot in enumerate(slots):
                if a <= slot.starts_at + HOUR / 2 < b:
                    for lang in s.languages:
                        counts[lang][i] += 1
    gaps = {lang: _gaps(slots, row) for lang, row in counts.items()}
    return Coverage(zone=tz.key, slots=slots, languages=sorted(languages), counts=counts, gaps=gaps)


def _gaps(slots: list[Slot], row: list[int]) -> list[Interval]:
    out: list[Interval] = []
    for slot, n in zip(slots, row, strict=True):
        if n:
            continue
        a, b = slot.starts_at, slot.starts_at + HOUR
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def coverage_gaps_announce(*, now: datetime | None = None) -> int:
    """Announce (a coverage.gap event on the desk) each gap in the next 48 hours that was not
    announced before; a gap overlapping an announced one of its language is the same gap.
    Returns how many were announced. Idempotent, safe with several workers (unique notice)."""
    grid = coverage_grid(start=now, hours=int(GAP_HORIZON / HOUR))
    announced = 0
    for language, gaps in grid.gaps.items():
        for a, b in gaps:
            known = CoverageNotice.objects.filter(language=language, starts_at__lt=b, ends_at__gt=a)
            if known.exists():
                continue
            try:
                with transaction.atomic():
                    CoverageNotice.objects.create(language=language, starts_at=a, ends_at=b)
                    gap = CoverageGap(
                        language=language, starts_at=a.isoformat(), ends_at=b.isoformat()
                    )
                    publish_on_commit(gap)
            except IntegrityError:
                continue  # another worker announced it
            announced += 1
    return announced
