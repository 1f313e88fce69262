"""Factories for channel accounts, inbound messages and tickets."""

from __future__ import annotations

import itertools
from typing import Any

from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount
from vigil.channels.services import channel_account_get_or_create_default
from vigil.customers.choices import IdentityKind
from vigil.tickets.ingestion import InboundMessage, IngestResult, message_ingest

_seq = itertools.count(1)


def api_account() -> ChannelAccount:
    return channel_account_get_or_create_default(kind=ChannelKind.API)


def inbound(**overrides: Any) -> InboundMessage:
    n = next(_seq)
    values: dict[str, Any] = {
        "account": api_account(),
        "sender_kind": IdentityKind.EMAIL,
        "sender_address": f"trader{n}@example.com",
        # Neutral for triage (other, normal): a test that wants a category or urgency says so.
        "text": f"Hello, could you get back to me about case {n}?",
        "external_id": f"ext-{n}",
        "subject": f"Question {n}",
    }
    values.update(overrides)
    return InboundMessage(**values)


def ingest(**overrides: Any) -> IngestResult:
    return message_ingest(inbound=inbound(**overrides))
