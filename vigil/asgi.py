"""ASGI entry point: HTTP through Django, WebSocket through Channels.

See docs/architecture.md#entry-points. WebSockets are accepted only from the desk's own origin
(ALLOWED_HOSTS) and carry the Django session, so a consumer knows the signed-in user.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")

from django.core.asgi import get_asgi_application

# Django is set up before anything imports models (consumers, routing).
django_asgi = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from vigil.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
