"""The broadcaster: hands stored events to the channel layer from any thread.

See docs/architecture.md#events. Services run in request threads, the SMTP listener's pool and
worker threads; calling the channel layer from each with async_to_sync costs a new event loop
(and, with Redis, a new connection) per event. Instead one daemon thread owns a loop and sends
queued messages in order. Sending is best effort: the event is already in the log, and a socket
that misses a message fills the gap from there.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any

from channels.layers import get_channel_layer

from vigil.realtime.layers import DeskInMemoryChannelLayer

logger = logging.getLogger(__name__)


class Broadcaster:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] | None = None
        self._pid: int | None = None
        self._drainer: asyncio.Task[None] | None = None

    def _ensure(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]:
        with self._lock:
            if self._loop is None or self._pid != os.getpid() or self._loop.is_closed():
                ready = threading.Event()
                loop = asyncio.new_event_loop()
                queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    self._drainer = loop.create_task(self._drain(queue))
                    ready.set()
                    loop.run_forever()

                threading.Thread(target=run, name="vigil-broadcaster", daemon=True).start()
                ready.wait(5)
                self._loop, self._queue, self._pid = loop, queue, os.getpid()
            assert self._queue is not None
            return self._loop, self._queue

    async def _drain(self, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        while True:
            group, message = await queue.get()
            try:
                layer = get_channel_layer()
                if layer is not None:
                    await layer.group_send(group, message)
            except Exception:  # best effort: the log is the truth
                logger.exception("broadcast to %s of #%s failed", group, message.get("seq"))
            finally:
                queue.task_done()

    def send(self, group: str, message: dict[str, Any]) -> None:
        """Queue `message` for `group`; returns at once, sends in call order. With the
        embedded in-memory layer the message goes straight to the loop serving the sockets
        (one hop instead of two through this thread)."""
        layer = get_channel_layer()
        if (
            isinstance(layer, DeskInMemoryChannelLayer)
            and not self._pending()
            and layer.group_send_threadsafe(group, message)
        ):
            return
        loop, queue = self._ensure()
        loop.call_soon_threadsafe(queue.put_nowait, (group, message))

    def _pending(self) -> bool:
        """Messages queued here still to be sent: a direct send must not overtake them."""
        return self._queue is not None and self._queue._unfinished_tasks > 0  # type: ignore[attr-defined]

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far has been sent (tests, shutdown)."""
        if self._loop is None or self._queue is None:
            self._ensure()
        queue = self._queue
        assert self._loop is not None and queue is not None

        async def drained() -> None:
            await queue.join()
            layer = get_channel_layer()
            if isinstance(layer, DeskInMemoryChannelLayer):
                await layer.wait_delivered()

        future = asyncio.run_coroutine_threadsafe(drained(), self._loop)
        try:
            future.result(timeout)
        except TimeoutError:
            return False
        return True


broadcaster = Broadcaster()
