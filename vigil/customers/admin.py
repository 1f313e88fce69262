"""Django admin for customers and their channel identities. See docs/architecture.md#customers.

Customers are created by ingestion; the admin edits what agents know about them (name, UID,
language, VIP tier, notes) through customers.services.customer_update.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from vigil.core.admin import FastListAdmin, language_filter
from vigil.core.errors import ValidationFailed
from vigil.core.languages import normalize_language
from vigil.customers.models import ChannelIdentity, Customer
from vigil.customers.services import customer_update


class ChannelIdentityInline(admin.TabularInline):
    model = ChannelIdentity
    fields = readonly_fields = (
        "kind",
        "address",
        "display_name",
        "created_at",
    )
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "uid", "preferred_language", "vip_tier", "notes"]

    def clean_preferred_language(self) -> str:
        code = self.cleaned_data["preferred_language"].strip()
        try:
            return normalize_language(code) if code else ""
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(Customer)
class CustomerAdmin(FastListAdmin):
    form = CustomerForm
    list_display = ["__str__", "email", "uid", "vip_tier", "preferred_language", "created_at"]
    list_filter = ["vip_tier", language_filter("preferred_language")]
    search_fields = ["=uid", "email", "name", "identities__address"]
    fields = ["name", "email", "uid", "preferred_language", "vip_tier", "notes", "created_at"]
    readonly_fields = ["email", "created_at"]
    inlines = [ChannelIdentityInline]
    ordering = ["-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers appear when they first write

    def save_model(self, request: HttpRequest, obj: Customer, form: Any, change: bool) -> None:
        data = form.cleaned_data
        customer_update(
            customer=obj,
            name=data["name"],
            uid=data["uid"] or "",
            preferred_language=data["preferred_language"],
            vip_tier=data["vip_tier"],
            notes=data["notes"],
        )


@admin.register(ChannelIdentity)
class ChannelIdentityAdmin(FastListAdmin):
    list_display = ["kind", "address", "display_name", "customer", "created_at"]
    list_filter = ["kind"]
    search_fields = ["address"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    readonly_fields = ["kind", "address", "customer", "created_at"]
    ordering = ["-id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
