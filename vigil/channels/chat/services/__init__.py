"""Writes of the live chat: start, messages, uploads, leave a message, end, transfer, read.

See docs/architecture.md#live-chat. A chat's messages are ordinary messages of its ticket,
stored by `message_ingest` with the widget's client id as external id (a resend is stored
once). Each visible change also appends an event to the session's stream "chat:<id>" in the
same transaction, so the sequence number the ack carries is durable with the message; the
live broadcast follows the commit.
"""

from vigil.channels.chat.selectors import OPEN_STATES
from vigil.channels.chat.services.lifecycle import (
    FirstContact,
    chat_agent_join,
    chat_end,
    chat_leave_message,
    chat_read,
    chat_transfer,
    chat_visitors_seen,
    chats_end_abandoned,
)
from vigil.channels.chat.services.messages import (
    Ack,
    Started,
    chat_message_deliver,
    chat_message_receive,
    chat_start,
    chat_start_check,
    token_digest,
)
from vigil.channels.chat.services.stream import agent_frame_send, chat_events_add, chat_frame_send
from vigil.channels.chat.services.uploads import chat_upload_store, chat_uploads_prune

__all__ = [
    "OPEN_STATES",
    "Ack",
    "FirstContact",
    "Started",
    "agent_frame_send",
    "chat_agent_join",
    "chat_end",
    "chat_events_add",
    "chat_frame_send",
    "chat_leave_message",
    "chat_message_deliver",
    "chat_message_receive",
    "chat_read",
    "chat_start",
    "chat_start_check",
    "chat_transfer",
    "chat_upload_store",
    "chat_uploads_prune",
    "chat_visitors_seen",
    "chats_end_abandoned",
    "token_digest",
]
