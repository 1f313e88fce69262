"""The scheduler enqueues each periodic job once per period, however many processes run it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from vigil.core.models import PeriodicRun
from vigil.core.registry import PERIODIC
from vigil.core.worker import schedule_due_jobs

pytestmark = pytest.mark.django_db(transaction=True)


def test_periodic_jobs_are_registered() -> None:
    names = set(PERIODIC)
    assert "vigil.core.tasks.prune_events" in names
    assert "vigil.tickets.tasks.close_solved_tickets" in names


def test_each_period_enqueues_once_and_jobs_run(run_tasks: Callable[[], int]) -> None:
    first = schedule_due_jobs()
    assert sorted(first) == sorted(PERIODIC)
    assert schedule_due_jobs() == []  # a second scheduler in the same period gets nothing
    assert DBTaskResult.objects.count() == len(PERIODIC)
    assert run_tasks() == len(PERIODIC)
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    PeriodicRun.objects.update(last_enqueued_at=timezone.now() - timedelta(days=1))
    assert sorted(schedule_due_jobs()) == sorted(PERIODIC)
