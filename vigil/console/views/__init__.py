"""Views of the agent console, one module per page. See docs/architecture.md#console."""

from vigil.console.views.attachments import attachment_download
from vigil.console.views.auth import LoginView, LogoutView
from vigil.console.views.chats import (
    chat_accept_view,
    chat_close_view,
    chat_decline_view,
    chat_send_view,
    chat_transfer_view,
    chat_typing_view,
    chats_page,
    chats_part,
)
from vigil.console.views.inbox import inbox
from vigil.console.views.sla import (
    coverage,
    sla_holiday_add,
    sla_overview,
    sla_policy_edit,
    ticket_sla,
)
from vigil.console.views.ticket import (
    ticket_detail,
    ticket_field,
    ticket_note,
    ticket_part,
    ticket_reply,
)

__all__ = [
    "LoginView",
    "LogoutView",
    "attachment_download",
    "chat_accept_view",
    "chat_close_view",
    "chat_decline_view",
    "chat_send_view",
    "chat_transfer_view",
    "chat_typing_view",
    "chats_page",
    "chats_part",
    "coverage",
    "inbox",
    "sla_holiday_add",
    "sla_overview",
    "sla_policy_edit",
    "ticket_detail",
    "ticket_field",
    "ticket_note",
    "ticket_part",
    "ticket_reply",
    "ticket_sla",
]
