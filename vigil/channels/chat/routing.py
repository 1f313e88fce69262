"""WebSocket routes of the chat widget. See docs/architecture.md#live-chat.

Public: mounted outside the desk's same-origin check and session auth (vigil/asgi.py); the
consumer checks the widget's allowed origins itself.
"""

from __future__ import annotations

from typing import Any

from django.urls import path

from vigil.channels.chat.consumers import ChatConsumer

chat_websocket_urlpatterns: list[Any] = [
    path("ws/chat/<str:key>/", ChatConsumer.as_asgi(), name="chat-socket"),
]
