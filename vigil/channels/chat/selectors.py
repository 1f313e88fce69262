"""Reads of the live chat: widgets by key, sessions by token, what the visitor may see.

See docs/architecture.md#live-chat. The visitor reads only their own session (by the token's
digest) and only its public messages: internal notes are never among them.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any

from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent
from vigil.channels.chat.events import chat_stream
from vigil.channels.chat.limits import UPLOAD_TYPES, chat_limits
from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.core.models import Event
from vigil.tickets.choices import Category, Direction
from vigil.tickets.models import Attachment, Message

LANGUAGES = ("en", "zh-hans", "ja")
# A chat in these states is going on: it takes messages and reaches the visitor live.
OPEN_STATES = (ChatSession.State.WAITING, ChatSession.State.OFFERED, ChatSession.State.ACTIVE)


def chat_account_by_key(key: str) -> ChannelAccount | None:
    """The active widget with public key `key`."""
    if not key or len(key) > 100:
        return None
    return ChannelAccount.objects.filter(kind=ChannelKind.CHAT, address=key, is_active=True).first()


def chat_session_by_token(*, account: ChannelAccount, token: str) -> ChatSession | None:
    if not token or len(token) > 200:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return (
        ChatSession.objects.select_related("agent", "account", "ticket")
        .filter(token_digest=digest, account=account)
        .first()
    )


def chat_languages(account: ChannelAccount) -> list[str]:
    given = (account.settings or {}).get("languages")
    return [str(x) for x in given] if isinstance(given, list) and given else list(LANGUAGES)


def chat_categories(account: ChannelAccount) -> list[tuple[str, str]]:
    given = (account.settings or {}).get("categories")
    labels = dict(Category.choices)
    if isinstance(given, list) and given:
        return [(str(v), str(labels.get(v, v))) for v in given]
    return [(str(v), str(label)) for v, label in Category.choices]


# (measured at, languages spoken by an online agent): every connecting visitor's hello asks,
# so one query serves them all for VIGIL_CHAT_COUNTS_TTL_S (per process).
_spoken_seen: tuple[float, frozenset[str]] = (float("-inf"), frozenset())


def online_languages() -> frozenset[str]:
    """The languages some online agent speaks, at most VIGIL_CHAT_COUNTS_TTL_S old."""
    global _spoken_seen
    from vigil.routing.chat_queue import counts_ttl

    at, spoken = _spoken_seen
    if time.monotonic() - at < counts_ttl():
        return spoken
    found: set[str] = set()
    for languages in Agent.objects.filter(presence=Presence.ONLINE).values_list(
        "languages", flat=True
    ):
        found.update(languages or [])
    _spoken_seen = (time.monotonic(), frozenset(found))
    return _spoken_seen[1]


def chat_online(account: ChannelAccount) -> dict[str, bool]:
    """Per chat language, whether an agent who speaks it is online."""
    spoken = online_languages()
    return {code: code in spoken for code in chat_languages(account)}


def chat_config(account: ChannelAccount, *, locale: str = "") -> dict[str, Any]:
    """What the widget needs to draw itself (the welcome frame's config)."""
    limits = chat_limits(account.settings)
    languages = chat_languages(account)
    return {
        "title": (account.settings or {}).get("title") or account.name,
        "languages": languages,
        "categories": [list(c) for c in chat_categories(account)],
        "online": chat_online(account),
        "max_text": limits.max_text,
        "max_attachments": limits.max_attachments,
        "max_upload": limits.max_upload,
        "upload_types": list(UPLOAD_TYPES),
        "strings_locale": locale if locale in languages else languages[0],
    }


def chat_session_view(session: ChatSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "state": session.state,
        "language": session.language,
        "category": session.category,
        "agent_name": session.agent.display_name if session.agent_id and session.agent else None,
        # The widget shows "Read" under the visitor's messages up to here, after a reload too.
        "agent_read_message_id": session.agent_read_message_id,
    }


def attachment_payload(attachment: Attachment, *, key: str) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        # Relative to the desk; the widget adds its origin and "?t=<token>".
        "url": f"/chat/{key}/files/{attachment.pk}",
    }


def message_payload(
    message: Message, *, client_id: str | None, attachments: Sequence[Attachment] | None = None
) -> dict[str, Any]:
    """The visitor's view of a message (the `message` event's payload). `attachments`: the
    message's, when the caller knows them (it stored them), saving the query."""
    key = message.channel_account.address if message.channel_account else ""
    if attachments is None:
        attachments = list(message.attachments.all())
    if message.direction == Direction.INBOUND:
        author, agent_name = "customer", None
    elif message.author_agent_id:
        author = "agent"
        agent_name = message.author_agent.display_name if message.author_agent else None
    else:
        author, agent_name = "system", None
    return {
        "id": message.pk,
        "client_id": client_id,
        "author": author,
        "agent_name": agent_name,
        "text": message.text,
        "attachments": [attachment_payload(a, key=key) for a in attachments],
        "at": message.created_at.isoformat(),
    }


def chat_message_seq(*, session_id: int, message_id: int) -> int | None:
    """The sequence number of a message's event on the session's stream, if published."""
    row = (
        Event.objects.filter(
            stream__name=chat_stream(session_id), type="chat.message", payload__id=message_id
        )
        .values_list("seq", flat=True)
        .first()
    )
    return int(row) if row is not None else None


def chat_transcript(session: ChatSession) -> list[dict[str, Any]]:
    """Every public message of the chat, oldest first (never internal notes)."""
    messages = (
        Message.objects.filter(
            ticket_id=session.ticket_id,
            channel=ChannelKind.CHAT,
            direction__in=[Direction.INBOUND, Direction.OUTBOUND],
        )
        .select_related("author_agent", "channel_account")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    return [
        message_payload(m, client_id=m.external_id if m.direction == Direction.INBOUND else None)
        for m in messages
    ]


def chat_attachment_for_session(*, session: ChatSession, attachment_id: int) -> Attachment | None:
    """An attachment of a public message of the session's chat (no note's file)."""
    return (
        Attachment.objects.filter(
            pk=attachment_id,
            message__ticket_id=session.ticket_id,
            message__direction__in=[Direction.INBOUND, Direction.OUTBOUND],
        )
        .select_related("message")
        .first()
    )
