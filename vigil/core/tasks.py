"""Periodic housekeeping of the core app. See docs/architecture.md#tasks."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from vigil.core.registry import periodic
from vigil.core.services import events_prune


@periodic(every=timedelta(hours=1))
@task(queue_name="maintenance")
def prune_events() -> int:
    """Delete events past their retention. No retry: the next run catches up."""
    return events_prune()
