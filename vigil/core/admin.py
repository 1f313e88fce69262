"""Django admin for the core records, and the pieces every app's admin shares.

See docs/architecture.md#entry-points. The admin is for configuring the desk (teams, agents,
channel accounts); records that only services may write (tickets, messages, events) are shown
read-only, so the admin can never skip a status transition or an activity row. List pages
avoid full counts and load foreign keys in the same query, so they stay fast with a million
rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from vigil.core.errors import ValidationFailed
from vigil.core.events import CATALOGUE
from vigil.core.languages import LANGUAGE_NAMES, normalize_languages
from vigil.core.models import Event, EventStream, PeriodicRun


def fixed_choices_filter(
    field: str, title: str, choices: Callable[[], Sequence[tuple[str, Any]]]
) -> type[admin.SimpleListFilter]:
    """A list filter with known values. Django's default filter for a plain text field runs
    SELECT DISTINCT over the whole table on every page, which a million rows make slow."""

    class Filter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> Sequence[tuple[str, Any]]:
            return choices()

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            value = self.value()
            return queryset.filter(**{field: value}) if value else queryset

    Filter.title = title
    return Filter


def language_filter(field: str = "language") -> type[admin.SimpleListFilter]:
    return fixed_choices_filter(field, "language", lambda: sorted(LANGUAGE_NAMES.items()))


class LanguagesField(forms.CharField):
    """Language codes typed as "en, zh-hans", stored as a normalised list."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Comma-separated language codes, e.g. en, zh-hans, ja.")
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        try:
            return normalize_languages((text or "").split(","))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.message) from None


class FastListAdmin(admin.ModelAdmin):
    """List pages for big tables: no full count, bounded pages."""

    show_full_result_count = False
    list_per_page = 50
    list_max_show_all = 200


class ReadOnlyAdmin(FastListAdmin):
    """Records written only by services: the admin may look, never touch."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


EVENT_TYPE_FILTER = fixed_choices_filter(
    "type", "type", lambda: [(t, t) for t in sorted(CATALOGUE)]
)


@admin.register(EventStream)
class EventStreamAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_seq"]
    search_fields = ["name"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "stream", "seq", "type", "team_id", "agent_id", "created_at"]
    list_filter = [
        fixed_choices_filter("type", "type", lambda: [(t, t) for t in sorted(CATALOGUE)])
    ]
    list_select_related = ["stream"]
    search_fields = ["=stream__name"]
    raw_id_fields = ["stream"]
    ordering = ["-id"]


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_enqueued_at"]
