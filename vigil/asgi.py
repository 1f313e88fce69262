"""ASGI entry point: HTTP through Django, WebSocket through Channels.

See docs/architecture.md#entry-points. WebSockets are accepted only from the desk's own origin
(ALLOWED_HOSTS) and carry the Django session, so a consumer knows the signed-in user; the
chat widget's public socket (/ws/chat/) is the exception and checks origins itself.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")

import django

# Django is set up before anything imports models (consumers, routing).
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from vigil.core.http import ThreadedASGIHandler  # noqa: E402

django_asgi = ThreadedASGIHandler(threads=settings.VIGIL_HTTP_THREADS)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from vigil.channels.chat.routing import chat_websocket_urlpatterns  # noqa: E402
from vigil.realtime.routing import websocket_urlpatterns  # noqa: E402

desk_sockets = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
# The chat widget is embedded in other sites' pages: its socket is public and checks each
# widget's allowed origins itself (vigil/channels/chat/origins.py).
chat_sockets = URLRouter(chat_websocket_urlpatterns)


async def websocket(scope: Any, receive: Any, send: Any) -> None:
    app = chat_sockets if scope.get("path", "").startswith("/ws/chat/") else desk_sockets
    await app(scope, receive, send)


application = ProtocolTypeRouter({"http": django_asgi, "websocket": websocket})
