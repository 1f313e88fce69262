"""Django admin for channel accounts: the desk's ways in. See docs/architecture.md#channels.

A channel account is configuration (an address, the adapter's settings, the team that gets
its tickets), so the admin edits it directly.
"""

from __future__ import annotations

from django.contrib import admin

from vigil.channels.models import ChannelAccount


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "address", "default_team", "is_active", "created_at"]
    list_filter = ["kind", "is_active", "default_team"]
    search_fields = ["name", "address"]
    list_select_related = ["default_team"]
