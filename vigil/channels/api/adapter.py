"""Adapter for messages that enter and leave through the REST API.

A reply on an API-originated ticket is stored and read back by the integration (or shown in
the customer portal); there is nothing to push, so delivery succeeds at once.
"""

from __future__ import annotations

from vigil.channels.base import Capability, ChannelAdapter, DeliveryReceipt
from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount
from vigil.channels.registry import register
from vigil.tickets.models import Message


@register
class ApiAdapter(ChannelAdapter):
    kind = ChannelKind.API
    capabilities = frozenset({Capability.OUTBOUND, Capability.ATTACHMENTS, Capability.SUBJECT})

    def deliver(self, *, account: ChannelAccount | None, message: Message) -> DeliveryReceipt:
        return DeliveryReceipt(external_id=None)
