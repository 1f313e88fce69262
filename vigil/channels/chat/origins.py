"""Which web pages may embed a widget. See docs/architecture.md#live-chat.

A widget's settings["allowed_origins"] lists the sites ("https://www.exchange.com") whose
pages may open its socket and upload files; an empty list allows any (development). The
desk's own pages (the demo host page) are always allowed, and so is a client that sends no
Origin (not a browser, so not a page embedding the widget).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from vigil.channels.models import ChannelAccount


def normalize_origin(value: str) -> str:
    """ "HTTPS://Shop.example.com:443/" -> "https://shop.example.com"; "" when unusable."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    try:
        port = parts.port
    except ValueError:
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


def allowed_origins(account: ChannelAccount) -> list[str]:
    given = (account.settings or {}).get("allowed_origins") or []
    return [o for o in (normalize_origin(str(v)) for v in given) if o]


def origin_allowed(*, account: ChannelAccount, origin: str | None, host: str | None) -> bool:
    if not origin:
        return True
    allowed = allowed_origins(account)
    if not allowed:
        return True
    clean = normalize_origin(origin)
    if clean in allowed:
        return True
    return bool(host) and urlsplit(origin).netloc.lower() == (host or "").lower()
