"""Background jobs of the tickets app. See docs/architecture.md#tasks.

Each takes ids, calls one service and says how it retries; running one twice changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.tasks import task

from vigil.core.registry import periodic
from vigil.tickets.services import message_deliver, tickets_close_solved

logger = logging.getLogger(__name__)


@task(queue_name="outbound")
def deliver_message(*, message_id: int) -> None:
    """Send an outbound message. Retries: temporary failures re-enqueue this task with
    exponential back-off (30 s doubling, capped at 1 h) until MAX_DELIVERY_ATTEMPTS."""
    retry_at = message_deliver(message_id=message_id)
    if retry_at is not None:
        deliver_message.using(run_after=retry_at).enqueue(message_id=message_id)


def deliver_message_now(*, message_id: int) -> None:
    """Deliver right after the reply's commit, in the caller's thread, for channels whose
    delivery is a quick local write (Capability.INSTANT, e.g. a live chat). A temporary
    failure, or any error, leaves it to `deliver_message` as usual."""
    try:
        retry_at = message_deliver(message_id=message_id)
    except Exception:
        logger.exception("instant delivery of message %s failed; queued", message_id)
        deliver_message.enqueue(message_id=message_id)
        return
    if retry_at is not None:
        deliver_message.using(run_after=retry_at).enqueue(message_id=message_id)


@periodic(every=timedelta(minutes=15))
@task(queue_name="maintenance")
def close_solved_tickets() -> int:
    """Close tickets solved more than SOLVED_CLOSE_AFTER ago. No retry: the next run catches up."""
    return tickets_close_solved()
