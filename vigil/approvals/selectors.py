"""Reads of sensitive actions, with permissions. See
docs/architecture.md#sensitive-actions-and-approvals.

An agent sees the requests made on tickets they can see, and every request they could approve
(the approvals queue of a tier 3 agent holds the whole desk's whitelistings).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from vigil.accounts.models import Agent
from vigil.accounts.permissions import agent_can, permission_require, permissions
from vigil.approvals.choices import ActionStatus
from vigil.approvals.models import ActionRequest
from vigil.core.errors import NotFound
from vigil.tickets.selectors import visible_tickets


def _approvable(agent: Agent) -> list[str]:
    return [
        p.name
        for p in permissions()
        if p.name.startswith("action.approve.") and agent_can(agent, p.name)
    ]


def actions_visible(agent: Agent) -> QuerySet[ActionRequest]:
    permission_require(agent, "action.read")
    rows = ActionRequest.objects.select_related("ticket", "customer", "requested_by", "decided_by")
    if agent.sees_whole_desk:
        return rows
    return rows.filter(
        Q(ticket__in=visible_tickets(agent).values("pk"))
        | Q(approve_permission__in=_approvable(agent))
        | Q(requested_by=agent)
    )


def actions_list(
    *,
    agent: Agent,
    status: str = "",
    ticket_id: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[ActionRequest]:
    """Newest first; `status="open"` is what still needs someone (pending, failed)."""
    rows = actions_visible(agent)
    if status == "open":
        rows = rows.filter(status__in=[ActionStatus.PENDING, ActionStatus.FAILED])
    elif status:
        rows = rows.filter(status=status)
    if ticket_id is not None:
        rows = rows.filter(ticket_id=ticket_id)
    if before_id is not None:
        rows = rows.filter(pk__lt=before_id)
    return list(rows.order_by("-id")[:limit])


def action_get_for_agent(agent: Agent, request_id: int) -> ActionRequest:
    request = actions_visible(agent).filter(pk=request_id).first()
    if request is None:
        raise NotFound(f"no action request {request_id}")
    return request
