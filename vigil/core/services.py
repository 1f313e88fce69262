"""Core writes: storing an event in its stream's sequence and broadcasting it.

See docs/architecture.md#events.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from vigil.core.events import DomainEvent
from vigil.core.models import Event, EventStream

logger = logging.getLogger(__name__)


def stream_group(stream: str) -> str:
    """The channel-layer group carrying a stream's live events."""
    return f"vigil.stream.{stream}"


def event_message(event: Event, stream: str) -> dict[str, Any]:
    """The wire form of a stored event: what a socket receives, live or on resync."""
    return {
        "stream": stream,
        "seq": event.seq,
        "event": event.type,
        "team_id": event.team_id,
        "agent_id": event.agent_id,
        "payload": event.payload,
        "at": event.created_at.isoformat(),
    }


def event_store(
    *,
    stream: str,
    type: str,
    payload: dict[str, Any],
    team_id: int | None = None,
    agent_id: int | None = None,
) -> Event:
    """Append one event to `stream` with the next sequence number, durably."""
    with transaction.atomic():
        stream_row, _ = EventStream.objects.get_or_create(name=stream)
        # The UPDATE takes the row lock, so numbers are handed out in commit order.
        EventStream.objects.filter(pk=stream_row.pk).update(last_seq=F("last_seq") + 1)
        seq = EventStream.objects.filter(pk=stream_row.pk).values_list("last_seq", flat=True).get()
        return Event.objects.create(
            stream=stream_row,
            seq=seq,
            type=type,
            payload=payload,
            team_id=team_id,
            agent_id=agent_id,
        )


def event_broadcast(*, event: Event, stream: str) -> None:
    """Send a stored event to live sockets. A failure loses nothing: clients resync from the log."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": "stream.event", **event_message(event, stream)}
    try:
        async_to_sync(layer.group_send)(stream_group(stream), message)
    except Exception:  # the channel layer is best effort; the event log is the truth
        logger.exception("broadcast of %s#%s failed; clients will resync", stream, event.seq)


def event_publish(*, event: DomainEvent) -> Event:
    stream = event.stream_name()
    team_id, agent_id = event.audience()
    stored = event_store(
        stream=stream,
        type=event.type,
        payload=event.payload(),
        team_id=team_id,
        agent_id=agent_id,
    )
    event_broadcast(event=stored, stream=stream)
    return stored


EVENT_RETENTION = timedelta(days=7)


def events_prune(*, older_than: timedelta = EVENT_RETENTION) -> int:
    """Forget events older than `older_than`; a client further behind reloads its state."""
    cutoff = timezone.now() - older_than
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
