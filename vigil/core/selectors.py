"""Core reads: events of a stream after a sequence number, for resync.

See docs/architecture.md#events.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from vigil.core.models import Event, EventStream
from vigil.core.prepared import Prepared

# Asked by every socket's hello and heartbeat sweep: compiled once (vigil/core/prepared.py).
_STREAM = Prepared(lambda name: EventStream.objects.filter(name=name), str)


def stream_last_seq(*, stream: str) -> int:
    row = _STREAM.first(stream)
    return row.last_seq if row is not None else 0


def events_after(
    *,
    stream: str,
    after: int,
    team_ids: set[int] | None,
    agent_id: int | None = None,
    limit: int = 1000,
) -> QuerySet[Event]:
    """Events of `stream` with seq > after, oldest first.

    team_ids=None means the reader sees everything; otherwise only events for no team in
    particular, for one of `team_ids`, or about something assigned to `agent_id`.
    """
    qs = Event.objects.filter(stream__name=stream, seq__gt=after)
    if team_ids is not None:
        visible = Q(team_id__isnull=True) | Q(team_id__in=team_ids)
        if agent_id is not None:
            visible |= Q(agent_id=agent_id)
        qs = qs.filter(visible)
    return qs.order_by("seq")[:limit]
