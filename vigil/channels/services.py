"""Writes for channel accounts. See docs/architecture.md#channels."""

from __future__ import annotations

from django.db import transaction

from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount


def channel_account_get_or_create_default(*, kind: str) -> ChannelAccount:
    """The built-in account of a kind (e.g. the REST API), created on first use."""
    if kind not in ChannelKind.values:
        raise LookupError(kind)
    account = ChannelAccount.objects.filter(kind=kind, address="").first()
    if account is None:
        with transaction.atomic():
            account, _ = ChannelAccount.objects.get_or_create(
                kind=kind, address="", defaults={"name": str(ChannelKind(kind).label)}
            )
    return account
