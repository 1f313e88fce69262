"""What every console view shares: the agent guard and domain errors as pages.

See docs/architecture.md#console.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from vigil.accounts.models import Agent
from vigil.accounts.selectors import agent_for_user
from vigil.core.errors import VigilError

type AgentView = Callable[Concatenate[HttpRequest, Agent, ...], HttpResponseBase]


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request for a fragment (a history restore wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def agent_required(view: AgentView) -> Callable[..., HttpResponseBase]:
    """Signed-in users with an Agent profile only; the view receives the agent.

    Anonymous users go to the login page; a user without an agent profile (say, an admin
    account made with createsuperuser) gets a 403 page that says so.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            if is_htmx(request):
                response = HttpResponse(status=401)
                response["HX-Refresh"] = "true"
                return response
            return redirect_to_login(request.get_full_path())
        agent = agent_for_user(request.user)
        if agent is None:
            return render(request, "console/no_agent.html", status=403)
        try:
            return view(request, agent, *args, **kwargs)
        except VigilError as exc:  # e.g. NotFound for a ticket the agent may not see
            return error_page(request, exc)

    return wrapper


def error_page(request: HttpRequest, error: VigilError) -> HttpResponse:
    """A domain error as a page (or fragment) with its own status: never a 500."""
    template = "console/error.html#message" if is_htmx(request) else "console/error.html"
    return render(request, template, {"error": error}, status=error.status)
