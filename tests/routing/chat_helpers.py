"""Chat sessions for the queue and offer tests, made the way the chat server makes them: a
widget account, a ticket ingested from the visitor's first message, a waiting session."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from tests.factories.accounts import make_agent
from vigil.accounts.models import Agent
from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.customers.choices import IdentityKind
from vigil.tickets.ingestion import InboundMessage, message_ingest

_seq = itertools.count(1)


def make_widget(**settings: Any) -> ChannelAccount:
    n = next(_seq)
    return ChannelAccount.objects.create(
        kind=ChannelKind.CHAT, name=f"Widget {n}", address=f"wk_test{n}", settings=settings
    )


def make_chat(
    *,
    widget: ChannelAccount,
    language: str = "en",
    category: str = "withdrawal",
    state: str = ChatSession.State.WAITING,
    queued_at: datetime | None = None,
    **fields: Any,
) -> ChatSession:
    n = next(_seq)
    ticket = message_ingest(
        inbound=InboundMessage(
            account=widget,
            sender_kind=IdentityKind.CHAT,
            sender_address=f"visitor-{n}",
            text=f"Chat {n}: my withdrawal is stuck",
            external_id=f"chat-{n}",
            language=language,
            category=category,
        )
    ).ticket
    return ChatSession.objects.create(
        account=widget,
        ticket=ticket,
        token_digest=secrets.token_hex(32),
        state=state,
        language=language,
        category=category,
        queued_at=queued_at or timezone.now() + timedelta(microseconds=n),
        **fields,
    )


def make_chat_agent(
    *,
    languages: tuple[str, ...] = ("en",),
    categories: tuple[str, ...] = (),
    chat_capacity: int = 2,
    **kwargs: Any,
) -> Agent:
    agent = make_agent(languages=languages, **kwargs)
    Agent.objects.filter(pk=agent.pk).update(
        categories=list(categories), chat_capacity=chat_capacity
    )
    agent.refresh_from_db()
    return agent
