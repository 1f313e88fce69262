"""Writes on tickets: status, fields, replies, notes, delivery. See docs/architecture.md#tickets.

Every change to a Ticket or Message goes through a function here (or ingestion.py), writes
an activity row, and publishes its event only after the transaction commits.
"""

from __future__ import annotations

from vigil.tickets.services.common import (
    MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_DELIVERY_ATTEMPTS,
    MAX_TEXT_CHARS,
    UNCHANGED,
    NewAttachment,
    _Unchanged,
    activities_add,
    activities_deferred,
    activities_undone_on_error,
    activity_add,
    message_added_event,
    publish_message_added,
    publish_ticket_updated,
    ticket_summary,
    ticket_updated_event,
)
from vigil.tickets.services.delivery import (
    SOLVED_CLOSE_AFTER,
    delivery_backoff,
    message_deliver,
    tickets_close_solved,
)
from vigil.tickets.services.messages import (
    attachments_store,
    check_body,
    message_reply,
    note_add,
)
from vigil.tickets.services.updates import (
    apply_status,
    ticket_assign,
    ticket_claim,
    ticket_release,
    ticket_set_status,
    ticket_update,
)

__all__ = [
    "MAX_ATTACHMENTS_PER_MESSAGE",
    "MAX_DELIVERY_ATTEMPTS",
    "MAX_TEXT_CHARS",
    "SOLVED_CLOSE_AFTER",
    "UNCHANGED",
    "NewAttachment",
    "_Unchanged",
    "activities_add",
    "activities_deferred",
    "activities_undone_on_error",
    "activity_add",
    "apply_status",
    "attachments_store",
    "check_body",
    "delivery_backoff",
    "message_added_event",
    "message_deliver",
    "message_reply",
    "note_add",
    "publish_message_added",
    "publish_ticket_updated",
    "ticket_assign",
    "ticket_claim",
    "ticket_release",
    "ticket_set_status",
    "ticket_summary",
    "ticket_update",
    "ticket_updated_event",
    "tickets_close_solved",
]
