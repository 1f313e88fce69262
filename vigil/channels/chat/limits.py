"""Limits of the chat channel: rates, sizes, types. See docs/architecture.md#live-chat.

Rates are fixed windows counted in Django's cache (Redis when VIGIL_REDIS_URL, so every
process counts together; in-memory embedded). A widget may override any number in
`settings["limits"]`. A refusal says how long to wait (`retry_after`, seconds).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields, replace
from typing import Any

from django.core.cache import cache

from vigil.channels.models import ChatSession

UPLOAD_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
)


@dataclass(frozen=True, slots=True)
class Rate:
    count: int
    seconds: int


@dataclass(frozen=True, slots=True)
class ChatLimits:
    starts_per_ip: Rate = Rate(5, 600)
    starts_per_socket: Rate = Rate(3, 600)
    messages_burst: Rate = Rate(20, 10)
    messages_hour: Rate = Rate(600, 3600)
    uploads_per_session: Rate = Rate(30, 600)
    typing_per_session: Rate = Rate(120, 60)
    max_text: int = 4000
    max_attachments: int = 5
    max_upload: int = 10 * 1024 * 1024


DEFAULT_LIMITS = ChatLimits()


def chat_limits(settings: dict[str, Any] | None) -> ChatLimits:
    """The limits of a widget: the defaults, overridden by its settings["limits"]."""
    given = (settings or {}).get("limits") or {}
    if not isinstance(given, dict):
        return DEFAULT_LIMITS
    changes: dict[str, Any] = {}
    for f in fields(ChatLimits):
        value = given.get(f.name)
        if isinstance(value, list) and len(value) == 2:
            changes[f.name] = Rate(int(value[0]), int(value[1]))
        elif isinstance(value, int) and not isinstance(value, bool):
            changes[f.name] = value
    return replace(DEFAULT_LIMITS, **changes)


def rate_key(session: ChatSession) -> str:
    """A session's name in rate counters: part of its token's digest, unique for good (ids
    repeat when a database is recreated; the cache may outlive it)."""
    return session.token_digest[:20]


def rate_hit(*, scope: str, key: str, rate: Rate) -> int | None:
    """Count one more of `scope` for `key`; None when allowed, else seconds until allowed."""
    now = time.time()
    window = int(now // rate.seconds)
    name = f"vigil:chat-rate:{scope}:{key}:{rate.seconds}:{window}"
    cache.add(name, 0, rate.seconds + 5)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, rate.seconds + 5)
        count = 1
    if count <= rate.count:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def rates_hit(*, checks: list[tuple[str, str, Rate]]) -> int | None:
    """Count several rates; the longest wait among those exceeded, or None."""
    waits = [w for scope, key, rate in checks if (w := rate_hit(scope=scope, key=key, rate=rate))]
    return max(waits) if waits else None
