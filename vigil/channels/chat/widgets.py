"""Adding chat widgets. See docs/architecture.md#live-chat.

A widget is a ChannelAccount of kind "chat" whose address is its public key ("wk_..."), the
key the embedding snippet names. Its settings hold the allowed origins, the title, the
routing method, the offer timeout and optional limit overrides (limits.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from django.db import transaction

from vigil.accounts.models import Team
from vigil.channels.chat.origins import normalize_origin
from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount
from vigil.core.errors import ValidationFailed

DEFAULT_SETTINGS = {"routing": "round_robin", "offer_timeout_s": 30}


def chat_widget_key() -> str:
    """A new public widget key."""
    return "wk_" + secrets.token_hex(12)


def chat_widget_create(
    *,
    name: str,
    origins: Sequence[str] = (),
    title: str = "",
    default_team: Team | None = None,
) -> ChannelAccount:
    """A new widget with a fresh public key."""
    name = name.strip()
    if not name:
        raise ValidationFailed("a widget needs a name")
    allowed = []
    for origin in origins:
        clean = normalize_origin(origin)
        if not clean:
            raise ValidationFailed(f"{origin!r} is not an origin (e.g. https://www.example.com)")
        allowed.append(clean)
    with transaction.atomic():
        return ChannelAccount.objects.create(
            kind=ChannelKind.CHAT,
            name=name[:100],
            address=chat_widget_key(),
            settings={**DEFAULT_SETTINGS, "allowed_origins": allowed, "title": title or name},
            default_team=default_team,
        )


def chat_snippet(*, account: ChannelAccount, desk_url: str) -> str:
    """The <script> tag a site adds to its pages."""
    base = desk_url.rstrip("/")
    return f'<script src="{base}/chat/widget.js" data-widget="{account.address}" async></script>'
