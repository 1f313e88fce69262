"""The Chats panel: offers (accept, decline, countdown), active chats with live messages,
typing both ways, transfer, internal note, close. See docs/architecture.md#agent-console-chats.

Each view parses, calls one service of vigil.routing.chat_agent / chat_offers (or a ticket
service for replies and notes) and renders a fragment; the offers box in the top bar and the
panel re-fetch themselves when the desk socket brings a chat event.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from vigil.accounts.models import Agent, Team
from vigil.channels.models import ChatSession
from vigil.console.views.common import agent_required, is_htmx
from vigil.core.errors import NotFound, ValidationFailed, VigilError
from vigil.core.events import DESK_STREAM
from vigil.core.selectors import stream_last_seq
from vigil.routing.chat_agent import (
    chat_accept,
    chat_agent_read,
    chat_agent_typing,
    chat_close,
    chat_transfer_to,
)
from vigil.routing.chat_offers import chat_offer_decline
from vigil.routing.chat_selectors import (
    agent_active_chats,
    agent_offers,
    chat_get_for_agent,
    chat_messages,
    transfer_agents,
    transfer_teams,
)
from vigil.tickets.services import message_reply, note_add

TEMPLATE = "console/chats.html"


def _context(agent: Agent, current: ChatSession | None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "agent": agent,
        "offers": agent_offers(agent=agent),
        "chats": agent_active_chats(agent=agent),
        "chat": current,
        "now": timezone.now(),
        **extra,
    }
    if current is not None:
        messages = chat_messages(session=current)
        context["messages"] = messages
        context["transfer_agents"] = transfer_agents(session=current, agent=agent)
        context["transfer_teams"] = transfer_teams()
        context["mine"] = current.agent_id == agent.pk and current.state == ChatSession.State.ACTIVE
        inbound = [m.pk for m in messages if m.direction == "inbound"]
        if context["mine"] and inbound:
            chat_agent_read(session=current, agent=agent, message_id=inbound[-1])
    return context


def _current(agent: Agent, request: HttpRequest) -> ChatSession | None:
    raw = request.GET.get("chat") or ""
    if raw.isdigit():
        return chat_get_for_agent(agent=agent, session_id=int(raw))
    chats = agent_active_chats(agent=agent)
    return chats[0] if chats else None


@require_GET
@agent_required
def chats_page(request: HttpRequest, agent: Agent) -> HttpResponse:
    context = _context(agent, _current(agent, request))
    context["desk_seq"] = stream_last_seq(stream=DESK_STREAM)
    return render(request, TEMPLATE, context)


@require_GET
@agent_required
def chats_part(request: HttpRequest, agent: Agent, part: str) -> HttpResponse:
    """A fragment: "offers" (the top-bar box), "list", or "pane"/"thread" with ?chat=id."""
    if part not in ("offers", "list", "pane", "thread"):
        raise NotFound(f"no part {part!r}")
    if part == "offers":
        return render(request, "console/_chat_offers.html", _context(agent, None))
    current = _current(agent, request) if part in ("pane", "thread") else None
    return render(request, f"{TEMPLATE}#{part}", _context(agent, current))


def _back(request: HttpRequest, session: ChatSession | None) -> HttpResponse:
    """After a write: htmx re-renders the panel (the URL names the chat); plain forms redirect."""
    url = reverse("console:chats")
    if session is not None and session.state == ChatSession.State.ACTIVE:
        url += f"?chat={session.pk}"
    if is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _session(agent: Agent, session_id: int) -> ChatSession:
    return chat_get_for_agent(agent=agent, session_id=session_id)


@require_POST
@agent_required
def chat_accept_view(request: HttpRequest, agent: Agent, session_id: int) -> HttpResponse:
    session = chat_accept(session=_session(agent, session_id), agent=agent)
    return _back(request, session)


@require_POST
@agent_required
def chat_decline_view(request: HttpRequest, agent: Agent, session_id: int) -> HttpResponse:
    chat_offer_decline(session=_session(agent, session_id), agent=agent)
    if is_htmx(request):
        return render(request, "console/_chat_offers.html", _context(agent, None))
    return redirect(reverse("console:chats"))


def _pane(request: HttpRequest, agent: Agent, session: ChatSession, **extra: Any) -> HttpResponse:
    fresh = _session(agent, session.pk)
    if not is_htmx(request):
        return _back(request, fresh)
    return render(request, f"{TEMPLATE}#pane", _context(agent, fresh, **extra))


@require_POST
@agent_required
def chat_send_view(request: HttpRequest, agent: Agent, session_id: int) -> HttpResponse:
    """A reply (the visitor gets it at once) or, with kind=note, an internal note."""
    session = _session(agent, session_id)
    text = (request.POST.get("text") or "").strip()
    note = request.POST.get("kind") == "note"
    try:
        if not text:
            raise ValidationFailed("write something first")
        if note:
            note_add(ticket=session.ticket, agent=agent, text=text)
        else:
            if session.agent_id != agent.pk or session.state != ChatSession.State.ACTIVE:
                raise ValidationFailed("only the agent of an active chat can reply in it")
            message_reply(ticket=session.ticket, agent=agent, text=text)
            chat_agent_typing(session=session, agent=agent, on=False)
    except VigilError as exc:
        response = _pane(
            request, agent, session, send_error=exc, draft=text, tab=request.POST.get("kind")
        )
        response.status_code = exc.status
        return response
    return _pane(request, agent, session, tab="note" if note else "reply")


@require_POST
@agent_required
def chat_typing_view(request: HttpRequest, agent: Agent, session_id: int) -> HttpResponse:
    chat_agent_typing(
        session=_session(agent, session_id), agent=agent, on=request.POST.get("on") == "1"
    )
    return HttpResponse(status=204)


@require_POST
@agent_required
def chat_transfer_view(request: HttpRequest, agent: Agent, session_id: int) -> HttpResponse:
    session = _session(agent, session_id)
    target = request.POST.get("to") or ""
    kind, _, raw = target.partition(":")
    if not raw.isdigit() or kind not in ("agent", "team"):
        raise ValidationFailed("choose an agent or a team")
    if kind == "agent":
        to_agent = transfer_agents(session=session, agent=agent).filter(pk=int(raw)).first()
        if to_agent is None:
            raise ValidationFailed("that agent cannot take this chat now")
        chat_transfer_to(session=session, actor=agent, agent=to_agent)
    else:
        team = Team.objects.filter(pk=int(raw)).first()
        if team is None:
            raise ValidationFailed("no such team")
        chat_transfer_to(session=session, actor=agent, team=team)
    return _back(request, None)


@require_POST
@agent_required
def chat_close_view(request: HttpRequest, agent: Agent, session_id: int) -> HttpResponse:
    chat_close(session=_session(agent, session_id), agent=agent)
    return _back(request, None)
