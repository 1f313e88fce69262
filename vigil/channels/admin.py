"""Django admin for channel accounts: the desk's ways in. See docs/architecture.md#channels.

A channel account is configuration (an address, the adapter's settings, the team that gets
its tickets), so the admin edits it directly. A chat widget saved without an address gets a
fresh public key.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "address", "default_team", "is_active", "created_at"]
    list_filter = ["kind", "is_active", "default_team"]
    search_fields = ["name", "address"]
    list_select_related = ["default_team"]

    def save_model(
        self, request: HttpRequest, obj: ChannelAccount, form: Any, change: bool
    ) -> None:
        if obj.kind == ChannelKind.CHAT and not obj.address:  # a new widget gets its public key
            from vigil.channels.chat.widgets import chat_widget_key

            obj.address = chat_widget_key()
        super().save_model(request, obj, form, change)
