"""Periodic SLA jobs. See docs/architecture.md#slas.

Both are idempotent (conditional claims, unique notices); no retry: the next run catches up.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from vigil.core.registry import periodic
from vigil.sla.coverage import coverage_gaps_announce
from vigil.sla.services.scan import sla_scan


@periodic(every=timedelta(minutes=1))
@task(queue_name="maintenance")
def sla_breach_scan() -> dict[str, int]:
    """Warn about SLA targets close to due and escalate breached ones."""
    result = sla_scan()
    return {"warned": result.warned, "breached": result.breached}


@periodic(every=timedelta(minutes=30))
@task(queue_name="maintenance")
def coverage_gap_check() -> int:
    """Announce the coverage gaps of the next 48 hours not announced yet."""
    return coverage_gaps_announce()
