"""Background jobs of sensitive actions.

See docs/architecture.md#sensitive-actions-and-approvals.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from vigil.approvals.services import actions_expire
from vigil.core.registry import periodic


@periodic(every=timedelta(minutes=5))
@task(queue_name="maintenance")
def expire_actions() -> int:
    """Expire requests nobody decided on in time. No retry: the next run catches up."""
    return actions_expire()
