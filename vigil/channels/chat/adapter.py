"""The chat ChannelAdapter: replies reach the visitor's widget. See docs/architecture.md#live-chat.

Delivery is a write to the session's event stream (the widget hears it live, or on its next
hello), so the adapter declares INSTANT: tickets.services delivers a reply right after its
commit instead of through the outbound worker. A chat the visitor left a message on, or
that ended with an e-mail address given, is not reachable live (`can_reach`): its replies go
by e-mail (channels.selectors.reply_route).
"""

from __future__ import annotations

from vigil.channels.base import Capability, ChannelAdapter, DeliveryError, DeliveryReceipt
from vigil.channels.chat import events as _events  # noqa: F401 - registers the chat events
from vigil.channels.chat import tasks as _tasks  # noqa: F401 - registers periodic jobs
from vigil.channels.chat.selectors import OPEN_STATES
from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.channels.registry import register
from vigil.core.prepared import Prepared
from vigil.tickets.models import Message, Ticket

# Before every agent reply on a chat ticket (compiled once: vigil/core/prepared.py).
_SESSION_STATE = Prepared(
    lambda ticket_id: (
        ChatSession.objects.filter(ticket_id=ticket_id).only("id", "state", "email").order_by("pk")
    )
)


@register
class ChatAdapter(ChannelAdapter):
    kind = ChannelKind.CHAT
    capabilities = frozenset(
        {
            Capability.OUTBOUND,
            Capability.ATTACHMENTS,
            Capability.TYPING,
            Capability.READ_RECEIPTS,
            Capability.INSTANT,
        }
    )

    def new_account_address(self) -> str:
        from vigil.channels.chat.widgets import chat_widget_key

        return chat_widget_key()

    def can_reach(self, *, ticket: Ticket) -> bool:
        session = _SESSION_STATE.first(ticket.pk)
        if session is None:
            return False
        return session.state in OPEN_STATES or not session.email

    def deliver(self, *, account: ChannelAccount | None, message: Message) -> DeliveryReceipt:
        from vigil.channels.chat.services import chat_message_deliver

        try:
            chat_message_deliver(message=message)
        except ChatSession.DoesNotExist:
            raise DeliveryError("the ticket has no chat session", permanent=True) from None
        return DeliveryReceipt()
