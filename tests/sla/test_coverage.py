"""Coverage per language and hour: agents in Shanghai and Los Angeles, a night shift across
midnight, time off, and the gaps announced once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories.accounts import make_agent
from tests.factories.sla import make_exception, make_week
from vigil.accounts.models import Agent
from vigil.core.models import Event
from vigil.sla.coverage import coverage_gaps_announce, coverage_grid

pytestmark = pytest.mark.django_db

MONDAY = datetime(2027, 1, 11, tzinfo=UTC)


def _agent(tz: str, languages: tuple[str, ...]) -> Agent:
    agent = make_agent(languages=languages, presence="offline")
    Agent.objects.filter(pk=agent.pk).update(timezone=tz)
    return agent


def _desk() -> tuple[Agent, Agent]:
    # Shanghai (UTC+8), Chinese and English, Mon-Fri 09:00-18:00 = 01:00-10:00 UTC.
    shanghai = _agent("Asia/Shanghai", ("zh-hans", "en"))
    make_week(agent=shanghai, start="09:00", end="18:00")
    # Los Angeles (UTC-8 in January), English, Mon-Fri 22:00-06:00 (across midnight) =
    # 06:00-14:00 UTC the next day.
    la = _agent("America/Los_Angeles", ("en",))
    make_week(agent=la, start="22:00", end="06:00")
    return shanghai, la


def test_grid_counts_and_gaps_in_utc() -> None:
    _desk()
    grid = coverage_grid(start=MONDAY, hours=24)
    assert grid.languages == ["en", "zh-hans"]
    zh = grid.counts["zh-hans"]
    assert zh[0] == 0 and zh[1:10] == [1] * 9 and zh[10:] == [0] * 14
    en = grid.counts["en"]
    # Monday UTC: Shanghai 01-10; LA's Sunday night shift does not exist (Mon-Fri only), its
    # Monday shift starts 06:00 UTC Tuesday: so English is covered 01-10 only, 06-10 by one.
    assert en[1:10] == [1] * 9 and en[0] == 0 and en[10:] == [0] * 14
    assert grid.gaps["zh-hans"] == [
        (MONDAY, datetime(2027, 1, 11, 1, tzinfo=UTC)),
        (datetime(2027, 1, 11, 10, tzinfo=UTC), datetime(2027, 1, 12, tzinfo=UTC)),
    ]
    tuesday = coverage_grid(start=datetime(2027, 1, 12, tzinfo=UTC), hours=24).counts["en"]
    # Tuesday UTC: LA (Mon 22:00 PST) 06-14, Shanghai 01-10: two agents 06-10.
    assert tuesday[0] == 0 and tuesday[1:6] == [1] * 5 and tuesday[6:10] == [2] * 4
    assert tuesday[10:14] == [1] * 4 and tuesday[14:] == [0] * 10


def test_time_off_opens_a_gap_and_display_zone_shifts_labels() -> None:
    shanghai, la = _desk()
    make_exception(
        agent=shanghai,
        kind="off",
        starts_at=datetime(2027, 1, 11, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 12, 0, tzinfo=UTC),
    )
    grid = coverage_grid(start=MONDAY, hours=24)
    assert sum(grid.counts["zh-hans"]) == 0
    assert grid.gaps["zh-hans"] == [(MONDAY, datetime(2027, 1, 12, tzinfo=UTC))]
    shown = coverage_grid(start=MONDAY, hours=24, display_zone="Asia/Shanghai")
    assert shown.slots[0].local.hour == 8 and shown.slots[0].starts_at == MONDAY
    assert la.pk  # LA unaffected


def test_gaps_in_the_next_48_hours_are_announced_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _desk()
    with django_capture_on_commit_callbacks(execute=True):
        first = coverage_gaps_announce(now=MONDAY)
        again = coverage_gaps_announce(now=MONDAY)
        # Eleven hours later the window has moved: the ongoing gaps are the same gaps, and one
        # new gap entered the horizon (Chinese, Wednesday from 10:00 UTC).
        later = coverage_gaps_announce(now=datetime(2027, 1, 11, 11, tzinfo=UTC))
    events = [e.payload for e in Event.objects.filter(type="coverage.gap").order_by("seq")]
    assert first == len(events) - 1 and again == 0 and later == 1
    zh = [(e["starts_at"], e["ends_at"]) for e in events if e["language"] == "zh-hans"]
    assert zh == [
        ("2027-01-11T00:00:00+00:00", "2027-01-11T01:00:00+00:00"),
        ("2027-01-11T10:00:00+00:00", "2027-01-12T01:00:00+00:00"),
        ("2027-01-12T10:00:00+00:00", "2027-01-13T00:00:00+00:00"),
        ("2027-01-13T10:00:00+00:00", "2027-01-13T11:00:00+00:00"),
    ]
