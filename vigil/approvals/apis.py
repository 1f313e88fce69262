"""API endpoints of sensitive actions and the permission matrix. See
docs/architecture.md#sensitive-actions-and-approvals and #permissions.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from vigil.accounts.permissions import permission_matrix, permission_require
from vigil.api_types import ERRORS, ObjectId, request_agent
from vigil.approvals.models import ActionRequest
from vigil.approvals.schemas import (
    ActionOut,
    ActionPage,
    ActionRequestIn,
    DecisionIn,
    PermissionRow,
)
from vigil.approvals.selectors import action_get_for_agent, actions_list
from vigil.approvals.services import action_decide, action_request, action_retry
from vigil.tickets.selectors import ticket_get_for_agent

router = Router(tags=["approvals"])


class ActionQuery(Schema):
    status: str = Field(
        "", pattern="^(|open|pending|approved|executing|done|failed|rejected|refused|expired)$"
    )
    ticket_id: ObjectId | None = None
    cursor: ObjectId | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get("/actions", response={200: ActionPage, **ERRORS}, summary="The approvals queue")
def actions(request: HttpRequest, query: Query[ActionQuery]) -> dict[str, Any]:
    """Requests the caller may see, newest first; `status=open` is pending or failed ones."""
    rows = actions_list(
        agent=request_agent(request),
        status=query.status,
        ticket_id=query.ticket_id,
        before_id=query.cursor,
        limit=query.limit + 1,
    )
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {"items": rows, "next_cursor": rows[-1].pk if more and rows else None}


@router.post(
    "/actions",
    response={201: ActionOut, **ERRORS},
    summary="Request a sensitive action for a ticket's customer",
)
def action_create(request: HttpRequest, payload: ActionRequestIn) -> Status[ActionRequest]:
    agent = request_agent(request)
    ticket = ticket_get_for_agent(agent, payload.ticket_id)
    row = action_request(
        agent=agent, ticket=ticket, kind=payload.kind, params=payload.params, reason=payload.reason
    )
    return Status(201, row)


@router.get("/actions/{action_id}", response={200: ActionOut, **ERRORS}, summary="One request")
def action_get(request: HttpRequest, action_id: ObjectId) -> ActionRequest:
    return action_get_for_agent(request_agent(request), action_id)


def _decide(request: HttpRequest, action_id: int, *, approve: bool, comment: str) -> ActionRequest:
    agent = request_agent(request)
    action_get_for_agent(agent, action_id)
    return action_decide(agent=agent, request_id=action_id, approve=approve, comment=comment)


@router.post(
    "/actions/{action_id}/approve",
    response={200: ActionOut, **ERRORS},
    summary="Approve a request (and carry it out on the exchange)",
    description="Only an agent holding the request's `approve_permission` who did not request "
    "it. The answer shows the outcome: done, rejected, or failed (retry later).",
)
def action_approve(request: HttpRequest, action_id: ObjectId, payload: DecisionIn) -> ActionRequest:
    return _decide(request, action_id, approve=True, comment=payload.comment)


@router.post(
    "/actions/{action_id}/refuse",
    response={200: ActionOut, **ERRORS},
    summary="Refuse a request (a comment is required)",
)
def action_refuse(request: HttpRequest, action_id: ObjectId, payload: DecisionIn) -> ActionRequest:
    return _decide(request, action_id, approve=False, comment=payload.comment)


@router.post(
    "/actions/{action_id}/retry",
    response={200: ActionOut, **ERRORS},
    summary="Send a failed request to the exchange again (same idempotency key)",
)
def action_retry_api(request: HttpRequest, action_id: ObjectId) -> ActionRequest:
    agent = request_agent(request)
    action_get_for_agent(agent, action_id)
    return action_retry(agent=agent, request_id=action_id)


@router.get(
    "/permissions",
    response={200: list[PermissionRow], **ERRORS},
    summary="The permission matrix: which roles hold which permission",
)
def permissions(request: HttpRequest) -> list[dict[str, object]]:
    permission_require(request_agent(request), "permissions.read")
    return permission_matrix()
