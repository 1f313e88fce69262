"""A settable clock for SLA tests: django.utils.timezone.now returns `clock.now`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import desk, fast_password_hashing  # noqa: F401 (shared fixtures)
from vigil.sla.selectors import sla_cache_clear


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    c = Clock(datetime(2027, 1, 8, 8, 0, tzinfo=UTC))  # a Friday
    monkeypatch.setattr("django.utils.timezone.now", c)
    sla_cache_clear()
    yield c
    sla_cache_clear()


@pytest.fixture
def sla_defaults() -> None:
    """The default policies (a flush by a transactional test removes the migration's)."""
    from vigil.sla.defaults import install_defaults
    from vigil.sla.models import Calendar, SlaPolicy

    install_defaults(Calendar, SlaPolicy)
    sla_cache_clear()
