"""Reads for channels: which way a reply can reach a customer. See docs/architecture.md#channels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vigil.channels.base import Capability
from vigil.channels.models import ChannelAccount
from vigil.channels.registry import registered_adapter

if TYPE_CHECKING:
    from vigil.tickets.models import Ticket


@dataclass(frozen=True, slots=True)
class ReplyRoute:
    kind: str
    account: ChannelAccount | None


def _can_send(kind: str) -> bool:
    adapter = registered_adapter(kind)
    return adapter is not None and adapter.can(Capability.OUTBOUND)


def reply_route(*, ticket: Ticket) -> ReplyRoute | None:
    """How an agent's reply on `ticket` reaches the customer.

    The ticket's own channel when it can send and still reaches the customer (its adapter's
    `can_reach`); otherwise another channel the customer is known
    on (an identity of the same kind as a channel that can send, with an active account), so a
    web-form ticket is answered by e-mail; failing that the ticket's own channel if it can send
    at all. None when the customer cannot be reached.
    """
    own = registered_adapter(ticket.channel)
    if _can_send(ticket.channel) and own is not None and own.can_reach(ticket=ticket):
        return ReplyRoute(kind=ticket.channel, account=ticket.channel_account)
    kinds = list(ticket.customer.identities.values_list("kind", flat=True).order_by("id"))
    for kind in kinds:
        if kind == ticket.channel or not _can_send(kind):
            continue
        account = ChannelAccount.objects.filter(kind=kind, is_active=True).order_by("id").first()
        if account is not None:
            return ReplyRoute(kind=kind, account=account)
    if _can_send(ticket.channel):  # no other way: the customer sees it when they come back
        return ReplyRoute(kind=ticket.channel, account=ticket.channel_account)
    return None
