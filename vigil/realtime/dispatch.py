"""Dispatch without a thread hop per message, for the desk and chat sockets.

See docs/architecture.md#real-time. channels' AsyncConsumer.dispatch first runs Django's
close_old_connections through sync_to_async for every message it hands to a handler: every
frame a client sends and every live event the channel layer delivers. Those calls all queue
on the one thread that also runs every database call of every socket, so at a thousand
sockets a visitor's message waited behind a queue of them. Vigil's consumers touch the
database only through database_sync_to_async, which closes stale connections itself, in that
thread, before and after each call; the extra hop protects nothing here.
"""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name


class DirectDispatch:
    """A consumer mixin (first among the bases): handlers are called directly."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
