"""WebSocket URL map. See docs/architecture.md#real-time.

A list so that other apps (the chat widget, later) add their own routes to it.
"""

from __future__ import annotations

from typing import Any

from django.urls import path

from vigil.realtime.consumers import DeskConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/desk/", DeskConsumer.as_asgi(), name="desk-socket"),
]
