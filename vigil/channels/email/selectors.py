"""Reads for the e-mail channel: support addresses, thread look-ups. See
docs/architecture.md#channels.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from vigil.channels.choices import ChannelKind
from vigil.channels.email.threads import base_address
from vigil.channels.models import AutoReplyLog, ChannelAccount
from vigil.tickets.choices import Direction
from vigil.tickets.models import Message, ThreadKey, Ticket, TicketParticipant

_CACHE_SECONDS = 5.0
_cache: dict[str, object] = {"at": 0.0, "accounts": {}}


def email_accounts_by_address(*, fresh: bool = False) -> dict[str, ChannelAccount]:
    """Active e-mail accounts keyed by lower-cased address; cached for a few seconds, as
    the SMTP listener asks for every recipient."""
    now = time.monotonic()
    if fresh or now - float(_cache["at"]) > _CACHE_SECONDS:  # type: ignore[arg-type]
        accounts = ChannelAccount.objects.filter(kind=ChannelKind.EMAIL, is_active=True)
        _cache["accounts"] = {a.address.lower(): a for a in accounts if a.address}
        _cache["at"] = now
    return _cache["accounts"]  # type: ignore[return-value]


def email_account_for_recipient(address: str) -> ChannelAccount | None:
    """The support account a recipient address belongs to (plus-addresses included)."""
    accounts = email_accounts_by_address()
    lowered = address.strip().lower()
    found = accounts.get(lowered) or accounts.get(base_address(lowered))
    if found is None:
        accounts = email_accounts_by_address(fresh=True)
        found = accounts.get(lowered) or accounts.get(base_address(lowered))
    return found


def own_addresses() -> frozenset[str]:
    return frozenset(email_accounts_by_address())


def ticket_by_thread_keys(*, account: ChannelAccount, keys: Iterable[str]) -> Ticket | None:
    """The ticket that the first known key names. Keys are Message-IDs, and the desk's own
    mail may go out from any of its addresses, so every e-mail account's keys count (this
    account's first). One query, on the (account, key) unique index."""
    keys = [k[:500] for k in keys if k]
    if not keys:
        return None
    account_ids = {a.pk for a in email_accounts_by_address().values()} | {account.pk}
    rows = ThreadKey.objects.filter(key__in=keys, channel_account_id__in=account_ids)
    found: dict[str, ThreadKey] = {}
    for row in rows.select_related("ticket__customer", "ticket__team", "ticket__assignee"):
        if row.key not in found or row.channel_account_id == account.pk:
            found[row.key] = row
    for key in keys:
        if key in found:
            return found[key].ticket
    return None


def ticket_for_token(*, pk: int, sender: str) -> Ticket | None:
    """Ticket `pk` if `sender` may thread into it by token: its customer or a participant."""
    ticket = Ticket.objects.select_related("customer", "team", "assignee").filter(pk=pk).first()
    if ticket is None or not sender:
        return None
    sender = sender.lower()
    if (ticket.customer.email or "").lower() == sender:
        return ticket
    if ticket.customer.identities.filter(kind="email", address=sender).exists():
        return ticket
    if TicketParticipant.objects.filter(ticket=ticket, kind="email", address=sender).exists():
        return ticket
    return None


def outbound_message_by_message_id(message_id: str) -> Message | None:
    return (
        Message.objects.select_related("ticket")
        .filter(
            external_id=message_id.strip("<>"),
            direction=Direction.OUTBOUND,
            channel=ChannelKind.EMAIL,
        )
        .first()
    )


def auto_replies_sent(*, address: str, within: timedelta) -> int:
    since = timezone.now() - within
    return AutoReplyLog.objects.filter(address=address.lower(), sent_at__gte=since).count()


def thread_message_ids(*, ticket: Ticket, before_pk: int | None = None) -> list[str]:
    """The Message-IDs of a ticket's e-mail, oldest first (for References)."""
    qs = Message.objects.filter(
        ticket=ticket, channel=ChannelKind.EMAIL, external_id__isnull=False
    ).exclude(direction=Direction.NOTE)
    if before_pk is not None:
        qs = qs.filter(pk__lt=before_pk)
    ids = qs.order_by("created_at", "id").values_list("external_id", flat=True)
    return [mid for mid in ids if mid]
