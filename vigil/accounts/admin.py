"""Django admin for agents, teams and API tokens. See docs/architecture.md#accounts.

New agents are created through accounts.services.agent_create (the same path as
`vigil agent create`), so each gets its login with a validated password. Tokens are created
with `vigil token create`, which shows the secret once; here they can only be revoked.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from vigil.accounts.models import Agent, ApiToken, Team
from vigil.accounts.services import agent_create, api_token_revoke
from vigil.core.admin import FastListAdmin, LanguagesField


class TeamForm(forms.ModelForm):
    languages = LanguagesField()

    class Meta:
        model = Team
        fields = ["name", "languages", "description"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamForm
    list_display = ["name", "language_list", "member_count"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(members=Count("agents"))

    @admin.display(description="languages")
    def language_list(self, team: Team) -> str:
        return ", ".join(team.languages)

    @admin.display(description="agents", ordering="members")
    def member_count(self, team: Team) -> int:
        return getattr(team, "members", 0)


class AgentForm(forms.ModelForm):
    languages = LanguagesField()

    class Meta:
        model = Agent
        fields = ["display_name", "role", "languages", "capacity", "presence", "teams"]


class AgentCreationForm(AgentForm):
    """Adds the login: the agent's e-mail address and a password checked by Django's rules."""

    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    class Meta(AgentForm.Meta):
        fields = ["email", "password", "display_name", "role", "languages", "capacity", "teams"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(username=email).exists():
            raise forms.ValidationError("An agent with this e-mail address already exists.")
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        validate_password(password)
        return password


@admin.register(Agent)
class AgentAdmin(FastListAdmin):
    form = AgentForm
    add_form = AgentCreationForm
    list_display = ["display_name", "email", "role", "language_list", "capacity", "presence"]
    list_filter = ["role", "presence", "teams"]
    search_fields = ["display_name", "user__username"]
    list_select_related = ["user"]
    filter_horizontal = ["teams"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description="e-mail", ordering="user__username")
    def email(self, agent: Agent) -> str:
        return agent.user.username

    @admin.display(description="languages")
    def language_list(self, agent: Agent) -> str:
        return ", ".join(agent.languages)

    def save_model(self, request: HttpRequest, obj: Agent, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = agent_create(
            email=data["email"],
            password=data["password"],
            display_name=data["display_name"],
            role=data["role"],
            languages=data["languages"],
            capacity=data["capacity"],
            teams=list(data["teams"]),
            check_password=False,  # the form ran Django's validators already
        )
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:  # on add, agent_create has set the teams
            super().save_related(request, form, formsets, change)


@admin.register(ApiToken)
class ApiTokenAdmin(FastListAdmin):
    list_display = ["prefix", "name", "agent", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["prefix", "name", "agent__display_name"]
    list_select_related = ["agent"]
    readonly_fields = ["agent", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # `vigil token create --email ...` prints the secret once

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(request, f"Revoked {len(tokens)} token(s).")
