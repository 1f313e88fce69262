"""Django admin for channel accounts: the desk's ways in. See docs/architecture.md#channels.

A channel account is configuration (an address, the adapter's settings, the team that gets
its tickets), so the admin edits it directly. A chat widget saved without an address gets a
fresh public key.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vigil.channels.models import ChannelAccount
from vigil.channels.registry import registered_adapter


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "address", "default_team", "is_active", "created_at"]
    list_filter = ["kind", "is_active", "default_team"]
    search_fields = ["name", "address"]
    list_select_related = ["default_team"]

    def save_model(
        self, request: HttpRequest, obj: ChannelAccount, form: Any, change: bool
    ) -> None:
        adapter = registered_adapter(obj.kind)
        if adapter is not None and not obj.address:  # e.g. a new chat widget's public key
            obj.address = adapter.new_account_address()
        super().save_model(request, obj, form, change)
