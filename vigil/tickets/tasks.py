"""Background jobs of the tickets app. See docs/architecture.md#tasks.

Each takes ids, calls one service and says how it retries; running one twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from vigil.core.registry import periodic
from vigil.tickets.services import message_deliver, tickets_close_solved


@task(queue_name="outbound")
def deliver_message(*, message_id: int) -> None:
    """Send an outbound message. Retries: temporary failures re-enqueue this task with
    exponential back-off (30 s doubling, capped at 1 h) until MAX_DELIVERY_ATTEMPTS."""
    retry_at = message_deliver(message_id=message_id)
    if retry_at is not None:
        deliver_message.using(run_after=retry_at).enqueue(message_id=message_id)


@periodic(every=timedelta(minutes=15))
@task(queue_name="maintenance")
def close_solved_tickets() -> int:
    """Close tickets solved more than SOLVED_CLOSE_AFTER ago. No retry: the next run catches up."""
    return tickets_close_solved()
