"""Background jobs of accounts: presence. See docs/architecture.md#presence.

Idempotent; no retries (the sweep catches whatever a lost job missed).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.tasks import task

from vigil.accounts.services import presence_check_gone, presence_sweep
from vigil.core.registry import periodic


@task(queue_name="default")
def presence_after_close(*, agent_id: int, closed_at: str) -> bool:
    """After the grace that follows an agent's last console socket closing."""
    return presence_check_gone(agent_id=agent_id, closed_at=datetime.fromisoformat(closed_at))


@periodic(every=timedelta(seconds=30))
@task(queue_name="maintenance")
def sweep_presence() -> int:
    """Agents whose heartbeat stopped go offline."""
    return len(presence_sweep())
