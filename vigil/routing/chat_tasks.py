"""Background jobs of chat offering. See docs/architecture.md#offering-chats-to-agents.

Imported by RoutingConfig.ready() so the scheduler knows the job. Takes nothing, calls one
service, idempotent; no retry (the next run, 5 s later, catches up).
"""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from vigil.core.registry import periodic
from vigil.routing.chat_offers import chat_offers_tick


@periodic(every=timedelta(seconds=5))
@task(queue_name="maintenance")
def expire_chat_offers() -> int:
    """Move expired chat offers on, offer what waits, refresh the visitors' queue frames."""
    return chat_offers_tick()
