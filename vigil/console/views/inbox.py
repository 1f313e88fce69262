"""The inbox: filters in the URL, one keyset page at a time. See docs/architecture.md#console.

One URL serves three shapes: the whole page, the results fragment (htmx re-fetches it when a
filter changes or a live event arrives) and, with ?cursor=, the next rows ("Load more").
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from vigil.accounts.models import Agent
from vigil.channels.choices import ChannelKind
from vigil.console.forms import STATUS_ALL, InboxFilterForm
from vigil.console.selectors import assignable_agents, teams_list
from vigil.console.views.common import agent_required, error_page, is_htmx
from vigil.core.errors import ValidationFailed
from vigil.core.events import DESK_STREAM
from vigil.core.languages import LANGUAGE_NAMES
from vigil.core.selectors import stream_last_seq
from vigil.tickets.choices import Priority, TicketStatus
from vigil.tickets.selectors import inbox_page, status_counts

PAGE_SIZE = 50


@require_GET
@vary_on_headers("HX-Request")
@agent_required
def inbox(request: HttpRequest, agent: Agent) -> HttpResponse:
    form = InboxFilterForm(request.GET)
    if not form.is_valid():
        error = ValidationFailed(
            "; ".join(
                f"{name}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
            )
        )
        return error_page(request, error)
    cursor = request.GET.get("cursor") or None
    page = inbox_page(
        agent=agent, filters=form.to_filters(agent=agent), cursor=cursor, limit=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "agent": agent,
        "form": form,
        "page": page,
        "now": timezone.now(),
        "query": query.urlencode(),
    }
    if cursor:
        return render(request, "console/inbox.html#rows", context)
    context["counts"] = _counts(agent, form.cleaned_data["status"])
    if is_htmx(request):
        context["fragment"] = True  # the status counts come along, out of band
        return render(request, "console/inbox.html#results", context)
    context.update(_filter_options())
    context["desk_seq"] = stream_last_seq(stream=DESK_STREAM)
    return render(request, "console/inbox.html", context)


def _counts(agent: Agent, current: str) -> dict[str, object]:
    """Tickets per unsolved status (the sidebar); solved and closed are links without counts."""
    counts = status_counts(agent=agent)
    return {
        "unsolved": sum(counts.values()),
        "current": current,
        "all": STATUS_ALL,
        "statuses": [
            {"value": value, "label": label, "count": counts.get(value)}
            for value, label in TicketStatus.choices
        ],
    }


def _filter_options() -> dict[str, object]:
    return {
        "teams": list(teams_list()),
        "agents": list(assignable_agents()),
        "languages": LANGUAGE_NAMES.items(),
        "channels": ChannelKind.choices,
        "priorities": list(reversed(Priority.choices)),
        "statuses": TicketStatus.choices,
    }
