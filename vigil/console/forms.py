"""Forms of the agent console: they parse input; services decide. See docs/architecture.md#console.

Every form here only turns request data into the typed arguments of one selector or service
(TicketFilters, ticket_update, message_reply, note_add); the rules live in the services.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from vigil.accounts.models import Agent, Team
from vigil.channels.choices import ChannelKind
from vigil.core.languages import LANGUAGE_NAMES
from vigil.tickets.choices import Category, Priority, TicketStatus
from vigil.tickets.selectors import TicketFilters
from vigil.tickets.services import NewAttachment
from vigil.tickets.status import ALLOWED_TRANSITIONS

# Values of the inbox's status filter besides the statuses themselves.
STATUS_UNSOLVED = ""
STATUS_ALL = "all"
# Values of the assignee and team filters besides an id.
ME = "me"
NONE = "none"


class LoginForm(AuthenticationForm):
    """Django's login form; agents sign in with their e-mail address."""

    username = forms.CharField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


def _set_choices(form: forms.Form, name: str, choices: list[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _language_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in LANGUAGE_NAMES.items()]


class InboxFilterForm(forms.Form):
    """The inbox's filters, as they appear in its URL (?status=open&assignee=me&...)."""

    status = forms.ChoiceField(required=False)
    team = forms.CharField(required=False, max_length=20)
    assignee = forms.CharField(required=False, max_length=20)
    language = forms.ChoiceField(required=False)
    channel = forms.ChoiceField(required=False)
    priority = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    q = forms.CharField(required=False, max_length=200, strip=True)
    sort = forms.ChoiceField(
        required=False, choices=[("", _("Most urgent first")), ("sla", _("SLA due first"))]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "status",
            [
                (STATUS_UNSOLVED, _("Unsolved")),
                *TicketStatus.choices,
                (STATUS_ALL, _("All statuses")),
            ],
        )
        _set_choices(self, "language", [("", _("Any language")), *_language_choices()])
        _set_choices(self, "channel", [("", _("Any channel")), *ChannelKind.choices])
        _set_choices(self, "priority", [("", _("Any priority")), *Priority.choices])

    def _id_or_keyword(self, name: str, keywords: Sequence[str]) -> str:
        value = (self.cleaned_data.get(name) or "").strip().lower()
        if value and value not in keywords and not value.isdigit():
            raise forms.ValidationError(_("Choose a valid option."), code="invalid_choice")
        return value

    def clean_team(self) -> str:
        return self._id_or_keyword("team", (NONE,))

    def clean_assignee(self) -> str:
        return self._id_or_keyword("assignee", (ME, NONE))

    def to_filters(self, *, agent: Agent) -> TicketFilters:
        data = self.cleaned_data
        status, team, assignee = data["status"], data["team"], data["assignee"]
        return TicketFilters(
            statuses=(status,) if status not in (STATUS_UNSOLVED, STATUS_ALL) else (),
            all_statuses=status == STATUS_ALL,
            team_id=int(team) if team.isdigit() else None,
            unassigned_team=team == NONE,
            assignee_id=agent.pk
            if assignee == ME
            else int(assignee)
            if assignee.isdigit()
            else None,
            unassigned=assignee == NONE,
            language=data["language"],
            channel=data["channel"],
            priority=data["priority"],
            q=data["q"],
            sort=data["sort"],
        )


# --- ticket forms -------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def status_choices(current: str) -> list[tuple[str, str]]:
    """The current status and those the status machine allows next, in the usual order."""
    allowed = ALLOWED_TRANSITIONS.get(current, frozenset()) | {current}
    return [(value, str(label)) for value, label in TicketStatus.choices if value in allowed]


class ReplyForm(forms.Form):
    """A public reply, optionally with files and a new status."""

    text = forms.CharField(
        label=_("Reply"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    uploads = MultipleFileField(label=_("Attach files"), required=False)
    status = forms.ChoiceField(label=_("Submit as"), required=False)

    def __init__(self, *args: Any, current_status: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = [c for c in status_choices(current_status) if c[0] != current_status]
        _set_choices(self, "status", [("", _("Keep status")), *others])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("text") or "").strip() and not data.get("uploads"):
            raise forms.ValidationError(_("Write a reply or attach a file."), code="empty")
        return data

    def attachments(self) -> list[NewAttachment]:
        return [
            NewAttachment(filename=upload.name or "attachment", content=upload.read())
            for upload in self.cleaned_data.get("uploads") or []
        ]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), strip=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_text(self) -> str:
        text: str = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError(_("Write the note first."), code="empty")
        return text


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TicketStatus.choices)


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)


class AssigneeForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=Agent.objects.none(),
        required=False,
        empty_label=_("Unassigned"),
    )

    def __init__(self, *args: Any, agents: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = agents if agents is not None else Agent.objects.all()


class TeamForm(forms.Form):
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("No team")
    )


class TagsForm(forms.Form):
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000)

    def tag_list(self) -> list[str]:
        raw: str = self.cleaned_data.get("tags") or ""
        raw = raw.replace("\uff0c", ",")  # a full-width comma, as CJK keyboards type it
        return [part for part in raw.split(",") if part.strip()]


# What each property form changes: its form class and how it becomes ticket_update arguments.
FIELD_FORMS: dict[str, type[forms.Form]] = {
    "status": StatusForm,
    "priority": PriorityForm,
    "category": CategoryForm,
    "assignee": AssigneeForm,
    "team": TeamForm,
    "tags": TagsForm,
}


def update_arguments(field: str, form: forms.Form) -> dict[str, Any]:
    """The keyword arguments of ticket_update for a valid property form."""
    if isinstance(form, TagsForm):
        return {"tags": form.tag_list()}
    return {field: form.cleaned_data[field]}
