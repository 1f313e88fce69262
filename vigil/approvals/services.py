"""Writes for sensitive actions: request, approve or refuse, execute, retry, expire. See
docs/architecture.md#sensitive-actions-and-approvals.

Each step is one transaction that also appends to the audit log and writes a ticket activity;
its `action.updated` event is published after the commit. The exchange is called outside any
transaction, after the request was claimed for execution with a conditional UPDATE, so two
approvals or retries at once send it once; every attempt carries the request's idempotency key.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from vigil.accounts.models import Agent
from vigil.accounts.permissions import agent_can, permission_require
from vigil.approvals.choices import ActionStatus
from vigil.approvals.events import ActionUpdated
from vigil.approvals.gateway import (
    ActionCommand,
    ExchangeGateway,
    GatewayFailure,
    GatewayResult,
    gateway_from_settings,
)
from vigil.approvals.models import ActionRequest
from vigil.approvals.policy import approve_permission, params_clean
from vigil.audit.chain import json_safe
from vigil.audit.services import audit_append
from vigil.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from vigil.core.events import publish_on_commit
from vigil.tickets.choices import ActivityKind
from vigil.tickets.models import Ticket
from vigil.tickets.services import activity_add

ACTION_EXPIRY = timedelta(hours=24)  # a request nobody decided on by then expires
STUCK_AFTER = timedelta(minutes=5)  # an execution with no outcome by then may be retried
ACTIVITY_KIND = ActivityKind.ACTION


def _record(
    *, request: ActionRequest, step: str, actor: Agent | None, data: dict[str, Any] | None = None
) -> None:
    """Audit entry + ticket activity now, desk event after the commit."""
    details = json_safe(
        {
            "kind": request.kind,
            "uid": request.uid,
            "ticket_id": request.ticket_id,
            "status": request.status,
            **(data or {}),
        }
    )
    who = actor.display_name if actor else "system"
    audit_append(
        actor=actor,
        action=f"action.{step}",
        object_type="action_request",
        object_id=request.pk,
        summary=f"{who}: {step} {request.kind} for UID {request.uid} (VG-{request.ticket_id})",
        data=details,
    )
    activity_add(
        ticket=request.ticket,
        kind=ACTIVITY_KIND,
        actor=actor,
        data={"action_id": request.pk, "step": step, **details},
    )
    publish_on_commit(
        ActionUpdated(
            action_id=request.pk,
            ticket_id=request.ticket_id,
            kind=request.kind,
            status=request.status,
            step=step,
            uid=request.uid,
            requested_by_id=request.requested_by_id,
            decided_by_id=request.decided_by_id,
        )
    )


def action_request(
    *, agent: Agent, ticket: Ticket, kind: str, params: dict[str, Any] | None, reason: str
) -> ActionRequest:
    """Ask for a sensitive action on the ticket's customer (the ticket must be one the agent
    may see: pass it from `ticket_get_for_agent`)."""
    permission_require(agent, "action.request")
    cleaned = params_clean(kind, params)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed("reason: say why (at least 5 characters)")
    customer = ticket.customer
    if not customer.uid:
        raise ValidationFailed("the ticket's customer has no exchange UID")
    with transaction.atomic():
        request = ActionRequest.objects.create(
            kind=kind,
            ticket=ticket,
            customer=customer,
            uid=customer.uid,
            params=cleaned,
            reason=reason[:2000],
            approve_permission=approve_permission(kind, cleaned),
            requested_by=agent,
            expires_at=timezone.now() + ACTION_EXPIRY,
            idempotency_key=uuid.uuid4().hex,
        )
        _record(
            request=request,
            step="requested",
            actor=agent,
            data={"params": cleaned, "reason": request.reason, "needs": request.approve_permission},
        )
    return request


def may_decide(agent: Agent, request: ActionRequest) -> bool:
    """Whether the agent may approve or refuse (or retry) this request: not its requester,
    and holding its approve permission."""
    return agent.pk != request.requested_by_id and agent_can(agent, request.approve_permission)


def _require_decider(agent: Agent, request: ActionRequest) -> None:
    if agent.pk == request.requested_by_id:
        raise PermissionDenied("you cannot approve or refuse your own request")
    permission_require(agent, request.approve_permission)


def _locked(request_id: int) -> ActionRequest:
    request = (
        ActionRequest.objects.select_for_update()
        .select_related("ticket", "requested_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise NotFound(f"no action request {request_id}")
    return request


def action_decide(
    *,
    agent: Agent,
    request_id: int,
    approve: bool,
    comment: str = "",
    gateway: ExchangeGateway | None = None,
) -> ActionRequest:
    """Approve (then execute, right after the commit) or refuse a pending request."""
    comment = (comment or "").strip()[:2000]
    if not approve and not comment:
        raise ValidationFailed("comment: say why you refuse")
    with transaction.atomic():
        request = _locked(request_id)
        _require_decider(agent, request)
        if request.status == ActionStatus.PENDING and request.expires_at <= timezone.now():
            _expire(request)
            request_expired = True
        else:
            request_expired = False
        if not request_expired:
            if request.status != ActionStatus.PENDING:
                raise Conflict(f"this request is already {request.status}", code="already_decided")
            request.status = ActionStatus.APPROVED if approve else ActionStatus.REFUSED
            request.decided_by = agent
            request.decided_at = timezone.now()
            request.decision_comment = comment
            request.save(
                update_fields=[
                    "status",
                    "decided_by",
                    "decided_at",
                    "decision_comment",
                    "updated_at",
                ]
            )
            step = "approved" if approve else "refused"
            _record(request=request, step=step, actor=agent, data={"comment": comment})
    if request_expired:
        raise Conflict("this request has expired", code="expired")
    if approve:
        return action_execute(request_id=request.pk, actor=agent, gateway=gateway)
    return request


def _claim(request_id: int) -> bool:
    """Take the request for one execution attempt: approved, failed, or stuck executing."""
    now = timezone.now()
    ready = Q(status__in=[ActionStatus.APPROVED, ActionStatus.FAILED]) | Q(
        status=ActionStatus.EXECUTING, updated_at__lt=now - STUCK_AFTER
    )
    claimed = ActionRequest.objects.filter(ready, pk=request_id).update(
        status=ActionStatus.EXECUTING, attempts=F("attempts") + 1, updated_at=now
    )
    return claimed == 1


def action_execute(
    *, request_id: int, actor: Agent | None, gateway: ExchangeGateway | None = None
) -> ActionRequest:
    """Send an approved (or failed) request to the exchange and record the outcome. When
    another process holds it, returns it as it stands."""
    if not _claim(request_id):
        return ActionRequest.objects.select_related("ticket").get(pk=request_id)
    request = ActionRequest.objects.select_related("ticket", "requested_by", "decided_by").get(
        pk=request_id
    )
    command = ActionCommand(
        idempotency_key=request.idempotency_key,
        action=request.kind,
        uid=request.uid,
        params=request.params,
        requested_by=request.requested_by.display_name,
        approved_by=request.decided_by.display_name if request.decided_by else "",
        reason=request.reason,
    )
    try:
        result: GatewayResult | None = (gateway or gateway_from_settings()).execute(command)
        error = ""
    except GatewayFailure as exc:
        result, error = None, str(exc)[:500]
    return _outcome(request_id=request_id, actor=actor, result=result, error=error)


def _outcome(
    *, request_id: int, actor: Agent | None, result: GatewayResult | None, error: str
) -> ActionRequest:
    with transaction.atomic():
        request = _locked(request_id)
        if result is None:
            request.status, request.last_error = ActionStatus.FAILED, error
            step, data = "failed", {"error": error, "attempt": request.attempts}
        else:
            request.status = ActionStatus.DONE if result.status == "done" else ActionStatus.REJECTED
            request.reference, request.result_message = result.reference, result.message
            request.executed_at, request.last_error = timezone.now(), ""
            step = "executed" if result.status == "done" else "rejected"
            data = {"reference": result.reference, "message": result.message}
            data["attempt"] = request.attempts
        request.save(
            update_fields=[
                "status",
                "reference",
                "result_message",
                "executed_at",
                "last_error",
                "updated_at",
            ]
        )
        _record(request=request, step=step, actor=actor, data=data)
    return request


def action_retry(
    *, agent: Agent, request_id: int, gateway: ExchangeGateway | None = None
) -> ActionRequest:
    """Send a failed request again (same idempotency key). Same rule as approving."""
    request = ActionRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise NotFound(f"no action request {request_id}")
    _require_decider(agent, request)
    if request.status not in (ActionStatus.FAILED, ActionStatus.EXECUTING):
        raise Conflict(f"only a failed request can be retried; this one is {request.status}")
    return action_execute(request_id=request_id, actor=agent, gateway=gateway)


def _expire(request: ActionRequest) -> None:
    request.status = ActionStatus.EXPIRED
    request.save(update_fields=["status", "updated_at"])
    _record(request=request, step="expired", actor=None, data={"expired_at": request.expires_at})


def actions_expire(*, batch: int = 200) -> int:
    """Expire pending requests past their `expires_at`; returns how many."""
    expired = 0
    ids = list(
        ActionRequest.objects.filter(
            status=ActionStatus.PENDING, expires_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:batch]
    )
    for request_id in ids:
        with transaction.atomic():
            request = _locked(request_id)
            if request.status == ActionStatus.PENDING and request.expires_at <= timezone.now():
                _expire(request)
                expired += 1
    return expired
