"""The ticket view and its htmx forms. See docs/architecture.md#console.

The page is made of parts (header, thread, properties, activity, customer) that htmx re-fetches
one by one when the ticket changes, here or anywhere else. Every write calls one service of
vigil.tickets.services; a VigilError comes back inline with its 4xx status.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from vigil.accounts.models import Agent
from vigil.console.forms import FIELD_FORMS, AssigneeForm, NoteForm, ReplyForm, update_arguments
from vigil.console.pages import TicketView
from vigil.console.selectors import assignable_agents
from vigil.console.views.common import agent_required, is_htmx
from vigil.core.errors import NotFound, ValidationFailed, VigilError
from vigil.core.events import DESK_STREAM
from vigil.core.selectors import stream_last_seq
from vigil.tickets.models import Ticket
from vigil.tickets.selectors import ticket_get_for_agent
from vigil.tickets.services import message_reply, note_add, ticket_update

TEMPLATE = "console/ticket.html"
PARTS = ("header", "thread", "properties", "triage", "activity", "customer")  # re-fetchable by GET
CHANGED = "vigil:ticket-changed"


def _ticket(agent: Agent, ticket_id: int) -> Ticket:
    """The ticket if the agent may see it; NotFound (a 404 page) otherwise."""
    return ticket_get_for_agent(agent, ticket_id)


def _render(
    request: HttpRequest,
    view: TicketView,
    part: str | None = None,
    *,
    status: int = 200,
    changed: bool = False,
    **extra: Any,
) -> HttpResponse:
    context: dict[str, Any] = {
        "view": view,
        "agent": view.agent,
        "ticket": view.ticket,
        "reply_form": ReplyForm(current_status=view.ticket.status),
        "note_form": NoteForm(),
        **extra,
    }
    if "prop" in extra:  # one property's form (the "propfield" part)
        context["field"] = view.field(extra["prop"])
    if part is None:  # the socket resumes from what the page shows
        context["desk_seq"] = stream_last_seq(stream=DESK_STREAM)
    template = f"{TEMPLATE}#{part}" if part else TEMPLATE
    response = render(request, template, context, status=status)
    if changed:
        response["HX-Trigger"] = CHANGED
    return response


@require_GET
@agent_required
def ticket_detail(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    return _render(request, TicketView(agent=agent, ticket=_ticket(agent, ticket_id)))


@require_GET
@agent_required
def ticket_part(request: HttpRequest, agent: Agent, ticket_id: int, part: str) -> HttpResponse:
    if part not in PARTS:
        raise NotFound(f"no part {part!r}")
    return _render(request, TicketView(agent=agent, ticket=_ticket(agent, ticket_id)), part)


def _redirect(request: HttpRequest, to: str) -> HttpResponse:
    if is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = to
        return response
    return redirect(to)


def _after_write(
    request: HttpRequest, agent: Agent, ticket: Ticket, part: str, **extra: Any
) -> HttpResponse:
    """The part again, fresh, and an event that makes the other parts re-fetch themselves."""
    try:
        fresh = ticket_get_for_agent(agent, ticket.pk)
    except NotFound:  # e.g. moved to a team this agent is not in: back to the inbox
        return _redirect(request, reverse("console:inbox"))
    if not is_htmx(request):
        return _redirect(request, reverse("console:ticket", args=[ticket.pk]))
    return _render(request, TicketView(agent=agent, ticket=fresh), part, changed=True, **extra)


def _failed(
    request: HttpRequest, view: TicketView, part: str, status: int, **extra: Any
) -> HttpResponse:
    """The form again with its error, as a fragment (htmx) or the whole page (no script)."""
    return _render(request, view, part if is_htmx(request) else None, status=status, **extra)


def _form_error(form: Any) -> ValidationFailed:
    messages = [str(m) for errors in form.errors.values() for m in errors]
    return ValidationFailed(" ".join(messages) or "invalid input")


@require_POST
@agent_required
def ticket_reply(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    ticket = _ticket(agent, ticket_id)
    view = TicketView(agent=agent, ticket=ticket)
    form = ReplyForm(request.POST, request.FILES, current_status=ticket.status)
    if not form.is_valid():
        return _failed(request, view, "composer", 422, reply_form=form, composer_tab="reply")
    try:
        message_reply(
            ticket=ticket,
            agent=agent,
            text=form.cleaned_data["text"],
            attachments=form.attachments(),
            status=form.cleaned_data["status"] or None,
        )
    except VigilError as exc:
        return _failed(
            request,
            view,
            "composer",
            exc.status,
            reply_form=form,
            reply_error=exc,
            composer_tab="reply",
        )
    return _after_write(request, agent, ticket, "composer")


@require_POST
@agent_required
def ticket_note(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    ticket = _ticket(agent, ticket_id)
    view = TicketView(agent=agent, ticket=ticket)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _failed(request, view, "composer", 422, note_form=form, composer_tab="note")
    try:
        note_add(ticket=ticket, agent=agent, text=form.cleaned_data["text"])
    except VigilError as exc:
        return _failed(
            request,
            view,
            "composer",
            exc.status,
            note_form=form,
            note_error=exc,
            composer_tab="note",
        )
    return _after_write(request, agent, ticket, "composer", composer_tab="note")


@require_POST
@agent_required
def ticket_field(request: HttpRequest, agent: Agent, ticket_id: int, field: str) -> HttpResponse:
    form_class = FIELD_FORMS.get(field)
    if form_class is None:
        raise NotFound(f"no field {field!r}")
    ticket = _ticket(agent, ticket_id)
    view = TicketView(agent=agent, ticket=ticket)
    form = (
        AssigneeForm(request.POST, agents=assignable_agents())
        if form_class is AssigneeForm
        else form_class(request.POST)
    )
    try:
        if not form.is_valid():
            raise _form_error(form)
        ticket_update(ticket=ticket, actor=agent, **update_arguments(field, form))
    except VigilError as exc:
        # The ticket in memory may be half-changed; show what is stored.
        view = TicketView(agent=agent, ticket=ticket_get_for_agent(agent, ticket.pk))
        return _failed(request, view, "propfield", exc.status, prop=field, field_error=exc)
    return _after_write(request, agent, ticket, "propfield", prop=field)
