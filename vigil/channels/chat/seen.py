"""Visitors seen on their sockets, written together. See docs/architecture.md#live-chat.

A chat socket tells its session the visitor is still there (`visitor_seen_at`, which the
abandoned-chat sweep reads) on every frame, at most every `ChatConsumer.seen_every` seconds.
Written one by one, that was an UPDATE and a hop into the sockets' database thread for nearly
every visitor message at a thousand chats. Here the sockets of a process only note the session;
a task on their event loop writes every noted session in one UPDATE every `FLUSH_EVERY`
seconds. The sweep ends chats quiet for minutes, so a mark up to that late changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from vigil.channels.chat.services import chat_visitors_seen
from vigil.realtime.db_pool import db

logger = logging.getLogger(__name__)

FLUSH_EVERY = 10.0

_noted: set[int] = set()
_flushers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)


def visitor_noted(session_id: int) -> None:
    """Note from a socket (on its event loop) that the session's visitor is there."""
    _noted.add(session_id)
    loop = asyncio.get_running_loop()
    task = _flushers.get(loop)
    if task is None or task.done():
        _flushers[loop] = loop.create_task(_flush_forever(), name="vigil-chat-seen")


async def _flush_forever() -> None:
    while True:
        await asyncio.sleep(FLUSH_EVERY)
        await flush_noted()


async def flush_noted() -> int:
    """Write the noted sessions now; how many."""
    if not _noted:
        return 0
    ids = sorted(_noted)
    _noted.clear()
    try:
        await db(chat_visitors_seen)(session_ids=ids)
    except Exception:  # the next frame notes them again; the sweep is minutes away
        logger.exception("marking %d chat visitors seen failed", len(ids))
        return 0
    return len(ids)
