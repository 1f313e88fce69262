"""Admin screens for routing data. See docs/architecture.md#triage.

Category rule sets are written only by services (import, learning); the admin lists them and
offers the learning run as an action.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from vigil.accounts.selectors import agent_for_user
from vigil.core.admin import ReadOnlyAdmin
from vigil.core.errors import VigilError
from vigil.routing.models import CategoryRuleSet
from vigil.routing.services import category_rules_learn


@admin.register(CategoryRuleSet)
class CategoryRuleSetAdmin(ReadOnlyAdmin):
    list_display = ["version", "source", "active", "corrections", "created_by", "created_at"]
    list_filter = ["source", "active"]
    actions = ["learn"]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Learning reads the corrections, not the selected rows: it runs with none selected
        # (also before the first version exists).
        sent = request.POST
        if sent.get("action") == "learn" and not sent.getlist(ACTION_CHECKBOX_NAME):
            post = sent.copy()
            post.setlist(ACTION_CHECKBOX_NAME, ["0"])
            request.POST = post  # type: ignore[assignment]
        return super().changelist_view(request, extra_context)

    @admin.action(description="Learn a new version from agents' category corrections")
    def learn(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        try:
            learned = category_rules_learn(actor=agent_for_user(request.user))
        except VigilError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request,
            f"category rules v{learned.rule_set.version} learned from {learned.corrections} "
            f"corrections ({learned.changes} term weights changed or added)",
            messages.SUCCESS,
        )
