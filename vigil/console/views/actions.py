"""The approvals queue and a ticket's sensitive actions. See
docs/architecture.md#sensitive-actions-and-approvals.

The queue re-fetches itself when an `action.updated` event arrives; approve, refuse and retry
are POSTs that call one service each (a 403 page when the agent may not). A ticket's panel
lists its requests and holds the request form.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from vigil.accounts.models import Agent
from vigil.approvals.choices import ActionKind
from vigil.approvals.models import ActionRequest
from vigil.approvals.policy import ADDRESS_FORMATS
from vigil.approvals.selectors import action_get_for_agent, actions_list
from vigil.approvals.services import action_decide, action_request, action_retry, may_decide
from vigil.console.views.common import agent_required, is_htmx
from vigil.core.errors import ValidationFailed, VigilError
from vigil.core.events import DESK_STREAM
from vigil.core.selectors import stream_last_seq
from vigil.tickets.selectors import ticket_get_for_agent

PARAM_FIELDS = ("asset", "chain", "address", "memo", "withdrawal_id", "amount", "sign")


class ActionRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"), choices=ActionKind.choices)
    asset = forms.CharField(label=_("Asset"), required=False, max_length=10)
    chain = forms.ChoiceField(
        label=_("Chain"), required=False, choices=[("", "-"), *((c, c) for c in ADDRESS_FORMATS)]
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=120)
    memo = forms.CharField(label=_("Memo / tag"), required=False, max_length=64)
    withdrawal_id = forms.CharField(label=_("Withdrawal id"), required=False, max_length=64)
    amount = forms.CharField(label=_("Amount"), required=False, max_length=40)
    sign = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", "-"), ("credit", _("credit")), ("debit", _("debit"))],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def params(self) -> dict[str, Any]:
        return {f: self.cleaned_data[f] for f in PARAM_FIELDS if self.cleaned_data.get(f)}


class DecisionForm(forms.Form):
    comment = forms.CharField(required=False, max_length=2000)


class ActionRow:
    """One request as the agent sees it: may they decide or retry it?"""

    def __init__(self, request: ActionRequest, agent: Agent) -> None:
        self.request = request
        self.decidable = request.status == "pending" and may_decide(agent, request)
        self.retryable = request.status == "failed" and may_decide(agent, request)
        self.own = request.requested_by_id == agent.pk


def _rows(agent: Agent, **filters: Any) -> list[ActionRow]:
    return [ActionRow(r, agent) for r in actions_list(agent=agent, **filters)]


def _queue_context(request: HttpRequest, agent: Agent) -> dict[str, Any]:
    show = request.GET.get("show", "open")
    status = "" if show == "all" else "open"
    return {"agent": agent, "rows": _rows(agent, status=status, limit=100), "show": show}


@require_GET
@agent_required
def approvals(request: HttpRequest, agent: Agent) -> HttpResponse:
    context = _queue_context(request, agent)
    if is_htmx(request):
        return render(request, "console/approvals.html#queue", context)
    context["desk_seq"] = stream_last_seq(stream=DESK_STREAM)
    return render(request, "console/approvals.html", context)


def _after(request: HttpRequest, agent: Agent, back: str) -> HttpResponse:
    if is_htmx(request):
        return render(request, "console/approvals.html#queue", _queue_context(request, agent))
    return redirect(back)


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else "/approvals/"


def _inline_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For htmx, a refused decision comes back as the queue with the error above it (with
    its 4xx status); without script, as the error page."""

    @wraps(view)
    def wrapper(request: HttpRequest, agent: Agent, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, agent, *args, **kwargs)
        except VigilError as exc:
            if not is_htmx(request):
                raise
            context = {**_queue_context(request, agent), "error": exc}
            return render(request, "console/approvals.html#queue", context, status=exc.status)

    return wrapper


def _decide(request: HttpRequest, agent: Agent, action_id: int, *, approve: bool) -> HttpResponse:
    action_get_for_agent(agent, action_id)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    action_decide(agent=agent, request_id=action_id, approve=approve, comment=comment)
    return _after(request, agent, _back(request))


@require_POST
@agent_required
@_inline_errors
def action_approve(request: HttpRequest, agent: Agent, action_id: int) -> HttpResponse:
    return _decide(request, agent, action_id, approve=True)


@require_POST
@agent_required
@_inline_errors
def action_refuse(request: HttpRequest, agent: Agent, action_id: int) -> HttpResponse:
    return _decide(request, agent, action_id, approve=False)


@require_POST
@agent_required
@_inline_errors
def action_retry_view(request: HttpRequest, agent: Agent, action_id: int) -> HttpResponse:
    action_get_for_agent(agent, action_id)
    action_retry(agent=agent, request_id=action_id)
    return _after(request, agent, _back(request))


def _panel(
    request: HttpRequest,
    agent: Agent,
    ticket_id: int,
    *,
    form: ActionRequestForm | None = None,
    error: VigilError | None = None,
    status: int = 200,
) -> HttpResponse:
    ticket = ticket_get_for_agent(agent, ticket_id)
    context = {
        "agent": agent,
        "ticket": ticket,
        "rows": _rows(agent, ticket_id=ticket.pk, limit=20),
        "form": form or ActionRequestForm(),
        "error": error,
    }
    return render(request, "console/_ticket_actions.html", context, status=status)


@require_GET
@agent_required
def ticket_actions(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    return _panel(request, agent, ticket_id)


@require_POST
@agent_required
def ticket_action_request(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    ticket = ticket_get_for_agent(agent, ticket_id)
    form = ActionRequestForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationFailed(
                " ".join(str(m) for errors in form.errors.values() for m in errors)
            )
        action_request(
            agent=agent,
            ticket=ticket,
            kind=form.cleaned_data["kind"],
            params=form.params(),
            reason=form.cleaned_data["reason"],
        )
    except VigilError as exc:
        return _panel(request, agent, ticket_id, form=form, error=exc, status=exc.status)
    if not is_htmx(request):
        return redirect(reverse("console:ticket", args=[ticket.pk]))
    return _panel(request, agent, ticket_id)
