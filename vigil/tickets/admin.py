"""Django admin for tickets and their parts, read-only. See docs/architecture.md#tickets.

Tickets change only through tickets.services (status machine, activity rows, events), which
the agent console and the API call; the admin shows them for support and audits. Tags are
plain configuration and editable. Every list joins its foreign keys, shows no full count and
uses raw-id widgets, so pages stay fast with a million tickets.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from vigil.channels.choices import ChannelKind
from vigil.core.admin import ReadOnlyAdmin, fixed_choices_filter, language_filter
from vigil.tickets.content import preview
from vigil.tickets.models import (
    TICKET_PREFIX,
    Attachment,
    Message,
    Tag,
    ThreadKey,
    Ticket,
    TicketActivity,
)

CHANNEL_FILTER = fixed_choices_filter("channel", "channel", lambda: ChannelKind.choices)
_REFERENCE = re.compile(rf"^\s*(?:{re.escape(TICKET_PREFIX)})?(\d{{1,18}})\s*$", re.IGNORECASE)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(_ReadOnlyInline):
    model = Message
    fields = readonly_fields = (
        "created_at",
        "direction",
        "channel",
        "author",
        "short_text",
        "delivery_status",
    )
    ordering = ["created_at", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Message]:
        return super().get_queryset(request).select_related("author_agent", "author_customer")

    @admin.display(description="author")
    def author(self, message: Message) -> str:
        return str(message.author_agent or message.author_customer or "")

    @admin.display(description="text")
    def short_text(self, message: Message) -> str:
        return preview(message.text, 120)


class ActivityInline(_ReadOnlyInline):
    model = TicketActivity
    fields = readonly_fields = (
        "created_at",
        "kind",
        "actor",
        "data",
    )
    show_change_link = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[TicketActivity]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "subject",
        "status",
        "priority",
        "category",
        "language",
        "channel",
        "team",
        "assignee",
        "customer",
        "waiting_since",
    ]
    list_filter = [
        "status",
        "priority",
        "category",
        CHANNEL_FILTER,
        language_filter(),
        "team",
    ]
    list_select_related = ["team", "assignee", "customer"]
    search_fields = ["subject", "=customer__email", "=customer__uid"]
    raw_id_fields = ["customer", "team", "assignee", "channel_account", "follow_up_of"]
    inlines = [MessageInline, ActivityInline]
    ordering = ["-id"]

    @admin.display(description="reference", ordering="id")
    def reference(self, ticket: Ticket) -> str:
        return ticket.reference

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Ticket], search_term: str
    ) -> tuple[QuerySet[Ticket], bool]:
        """ "VG-123" or "123" finds that ticket by its primary key, at index speed."""
        match = _REFERENCE.match(search_term)
        if match:
            return queryset.filter(pk=int(match.group(1))), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "ticket", "direction", "channel", "delivery_status", "created_at"]
    list_filter = ["direction", CHANNEL_FILTER, "delivery_status"]
    list_select_related = ["ticket"]
    search_fields = ["=external_id"]
    raw_id_fields = ["ticket", "channel_account", "author_agent", "author_customer"]
    ordering = ["-id"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ["filename", "content_type", "size", "sha256", "message"]
    list_filter = ["inline"]
    search_fields = ["=sha256", "filename"]
    raw_id_fields = ["message"]
    ordering = ["-id"]


@admin.register(TicketActivity)
class TicketActivityAdmin(ReadOnlyAdmin):
    list_display = ["id", "ticket", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    search_fields = ["=ticket__id"]
    raw_id_fields = ["ticket", "actor"]
    ordering = ["-id"]


@admin.register(ThreadKey)
class ThreadKeyAdmin(ReadOnlyAdmin):
    list_display = ["key", "channel_account", "ticket"]
    search_fields = ["=key"]
    list_select_related = ["channel_account", "ticket"]
    raw_id_fields = ["channel_account", "ticket"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
