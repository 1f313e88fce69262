"""Factories for chat widgets and sessions."""

from __future__ import annotations

import itertools
from typing import Any

from vigil.channels.chat.services import Started, chat_start
from vigil.channels.chat.widgets import chat_widget_create
from vigil.channels.models import ChannelAccount

_seq = itertools.count(1)


def make_widget(
    *, origins: tuple[str, ...] = (), limits: dict[str, Any] | None = None
) -> ChannelAccount:
    account = chat_widget_create(name=f"Widget {next(_seq)}", origins=origins)
    if limits:
        account.settings = {**account.settings, "limits": limits}
        account.save(update_fields=["settings"])
    return account


def start_chat(account: ChannelAccount | None = None, **overrides: Any) -> Started:
    n = next(_seq)
    values: dict[str, Any] = {
        "account": account or make_widget(),
        "client_id": f"c-start-{n}",
        "text": f"My deposit {n} has not arrived",
        "language": "en",
        "category": "deposit",
    }
    values.update(overrides)
    return chat_start(**values)
