"""Channel layers for live events: in-memory embedded, Redis pub/sub when VIGIL_REDIS_URL is set.

See docs/architecture.md#real-time. The layer is only the fast path: the event log in the
database is the truth, and sockets fill any gap from it, so a dropped message costs latency,
never correctness.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from copy import deepcopy
from typing import Any

from channels.layers import InMemoryChannelLayer

# How long a cross-thread send may wait for the serving loop before it gives up (the event
# stays in the log; sockets pick it up on their next resync).
HOP_TIMEOUT = 5.0
# Messages waiting in one socket's queue. A full queue drops (the socket then sees a gap and
# reads the missed events from the log); channels' default of 100 drops under a burst.
CHANNEL_CAPACITY = 10_000
# A message unread for this long counts as a dead consumer. The in-memory layer then removes
# that channel from every group, so it must comfortably exceed a slow catch-up.
MESSAGE_EXPIRY = 600
# The in-memory layer drops group members after this long (default: a day); sockets on a
# 24/7 desk stay open longer, so membership is refreshed by the socket and effectively permanent.
GROUP_EXPIRY = 365 * 24 * 3600
# channels' in-memory layer looks for expired messages and memberships in every channel and
# group on every receive: with a thousand sockets that scan was most of the server's CPU. With
# the expiries above (minutes and a year), looking every ten seconds changes nothing but the
# cost.
CLEAN_EVERY = 10.0


class DeskInMemoryChannelLayer(InMemoryChannelLayer):
    """The in-memory layer, safe to call from any thread.

    Sockets wait on asyncio queues that belong to the server's event loop. A publisher on
    another thread (the embedded task worker, the scheduler) runs `async_to_sync` in a loop of
    its own; touching those queues from there would be a data race, so its sends hop over to
    the server's loop.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._home: asyncio.AbstractEventLoop | None = None
        self._cleaned_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._cleaned_at >= CLEAN_EVERY:
            self._cleaned_at = now
            super()._clean_expired()

    async def new_channel(self, prefix: str = "specific.") -> str:
        # Only consumers ask for channels, so the caller's loop is the one serving sockets.
        self._home = asyncio.get_running_loop()
        return await super().new_channel(prefix)

    async def _on_home(self, call: Callable[[], Awaitable[None]]) -> None:
        home = self._home
        if home is None or home.is_closed() or not home.is_running():
            await call()
            return
        if home is asyncio.get_running_loop():
            await call()
            return

        async def run() -> None:
            await call()

        future = asyncio.run_coroutine_threadsafe(run(), home)
        await asyncio.wait_for(asyncio.wrap_future(future), timeout=HOP_TIMEOUT)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        parent = super().send
        await self._on_home(lambda: parent(channel, message))

    async def receive(self, channel: str) -> dict[str, Any]:
        """channels' receive, without building a new asyncio.Queue on every call (its
        setdefault's argument, used or not: one per socket per message)."""
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            _, message = await queue.get()
        finally:
            if queue.empty():
                self.channels.pop(channel, None)
        result: dict[str, Any] = message
        return result

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        copy = deepcopy(message)

        async def deliver() -> None:
            self._deliver(group, copy)

        await self._on_home(deliver)

    def group_send_threadsafe(self, group: str, message: dict[str, Any]) -> bool:
        """Queue `message` for `group` from any thread without waiting: a callback on the
        serving loop, in call order. False when no loop serves sockets (nobody to tell)."""
        home = self._home
        if home is None or home.is_closed() or not home.is_running():
            return False
        home.call_soon_threadsafe(self._deliver, group, deepcopy(message))
        return True

    def _deliver(self, group: str, message: dict[str, Any]) -> None:
        """channels' group_send without its task and deep copy per member: one copy of the
        message, which the consumers only read, put straight into each member's queue. At a
        desk event for twenty agents those were most of the broadcast's cost. A full queue
        drops the message (the socket sees a gap and reads the log)."""
        self._clean_expired()
        members = self.groups.get(group)
        if not members:
            return
        expires = time.time() + self.expiry
        for channel in list(members):
            queue = self.channels.get(channel)
            if queue is None:
                queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
            if not queue.full():
                queue.put_nowait((expires, message))

    async def wait_delivered(self) -> None:
        """Return once everything handed to `group_send_threadsafe` so far is queued."""
        home = self._home
        if home is None or home.is_closed() or not home.is_running():
            return
        if home is asyncio.get_running_loop():
            return
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(asyncio.sleep(0), home))


def layer_prefix(secret_key: str) -> str:
    """A Redis channel prefix shared by exactly the processes of one deployment.

    Sequence numbers belong to one database, so two desks on one Redis (or two test runs) must
    not hear each other. Processes of one desk share the secret key (their sessions depend on
    it), so a digest of it names the deployment without another setting.
    """
    digest = hashlib.sha256(b"vigil.channel-layer:" + secret_key.encode()).hexdigest()
    return f"vigil.{digest[:12]}"


def channel_layers_config(*, redis_url: str | None, secret_key: str) -> dict[str, Any]:
    """The CHANNEL_LAYERS setting: Redis pub/sub across processes, else in-memory."""
    if not redis_url:
        return {
            "default": {
                "BACKEND": "vigil.realtime.layers.DeskInMemoryChannelLayer",
                "CONFIG": {
                    "capacity": CHANNEL_CAPACITY,
                    "expiry": MESSAGE_EXPIRY,
                    "group_expiry": GROUP_EXPIRY,
                },
            }
        }
    host = {
        "address": redis_url,
        # redis-py's pool caps at 100 connections by default; each event loop that publishes
        # (the server's, one per publishing worker thread) has a pool of its own.
        "max_connections": 1000,
        "socket_keepalive": True,
        "socket_connect_timeout": 5,
        # A silent dead connection would stall every subscription: ping when idle.
        "health_check_interval": 15,
        "retry_on_timeout": True,
    }
    return {
        "default": {
            # Pub/sub: no per-message keys to expire, no capacity to overflow (each socket's
            # queue is in its own process); delivery is at most once and the log fills gaps.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [host], "prefix": layer_prefix(secret_key)},
        }
    }
