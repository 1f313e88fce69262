"""Presence from the desk socket: open, heartbeat, close. See docs/architecture.md#presence.

A mixin of DeskConsumer. Each console socket is a ConsoleSocket row; client pings refresh the
agent's last_seen_at (at most every HEARTBEAT_EVERY); when the agent's last socket closes, a
job checks after the grace whether they came back, and takes them offline if not.
"""

from __future__ import annotations

from datetime import datetime

from channels.db import database_sync_to_async
from django.utils import timezone

from vigil.accounts.services import (
    presence_grace,
    presence_heartbeat,
    presence_socket_closed,
    presence_socket_opened,
)


def _closed(channel_name: str) -> None:
    agent_id = presence_socket_closed(channel_name=channel_name)
    if agent_id is None:
        return
    from vigil.accounts.tasks import presence_after_close

    now = timezone.now()
    presence_after_close.using(run_after=now + presence_grace()).enqueue(
        agent_id=agent_id, closed_at=now.isoformat()
    )


class PresenceTracking:
    """Needs `channel_name` and an `agent_id` once the socket is accepted for an agent."""

    channel_name: str
    presence_agent_id: int | None = None
    presence_seen: datetime | None = None

    async def presence_opened(self, agent_id: int) -> None:
        self.presence_agent_id = agent_id
        self.presence_seen = timezone.now()
        await database_sync_to_async(presence_socket_opened)(
            agent_id=agent_id, channel_name=self.channel_name
        )

    async def presence_ping(self) -> None:
        if self.presence_agent_id is None:
            return
        self.presence_seen = await database_sync_to_async(presence_heartbeat)(
            agent_id=self.presence_agent_id, channel_name=self.channel_name, seen=self.presence_seen
        )

    async def disconnect(self, code: int) -> None:
        if self.presence_agent_id is not None:
            self.presence_agent_id = None
            await database_sync_to_async(_closed)(self.channel_name)
