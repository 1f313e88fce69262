"""The ChannelAdapter contract. See docs/architecture.md#channels.

An adapter is stateless: everything it needs comes from the ChannelAccount row it is handed.
What a channel can do is declared in `capabilities`, never switched on by kind elsewhere.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from vigil.channels.models import ChannelAccount
    from vigil.tickets.models import Message, Ticket


class Capability(enum.StrEnum):
    OUTBOUND = "outbound"  # the desk can push a reply to the customer
    THREADS = "threads"  # the channel carries a thread key linking replies to a ticket
    ATTACHMENTS = "attachments"
    HTML = "html"
    TYPING = "typing"
    READ_RECEIPTS = "read_receipts"
    SUBJECT = "subject"
    # Delivery is a quick local write (e.g. a live chat's event stream): a reply is delivered
    # right after its commit instead of waiting for the outbound worker.
    INSTANT = "instant"


class DeliveryError(Exception):
    """Sending failed. `permanent` failures are shown on the ticket; others are retried."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    external_id: str | None = None


class ChannelAdapter:
    kind: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()

    @classmethod
    def can(cls, capability: Capability) -> bool:
        return capability in cls.capabilities

    def new_account_address(self) -> str:
        """The address a new account of this channel gets when none is given (e.g. a chat
        widget's public key); empty when the person adding it must say."""
        return ""

    def can_reach(self, *, ticket: Ticket) -> bool:
        """Whether a reply on `ticket` (of this channel) still reaches its customer this way;
        e.g. a chat the visitor left a message on is answered by e-mail instead."""
        return True

    def deliver(self, *, account: ChannelAccount | None, message: Message) -> DeliveryReceipt:
        """Send an outbound message; raise DeliveryError on failure."""
        raise DeliveryError(f"{self.kind} cannot send messages", permanent=True)
