"""API endpoints of the audit log: search and verify. See docs/architecture.md#audit-log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from vigil.api_types import ERRORS, Text, request_agent
from vigil.audit.models import AuditEntry
from vigil.audit.selectors import AuditFilters, audit_search, audit_verify_for_agent

router = Router(tags=["audit"])


class AuditQuery(Schema):
    actor: Text = Field("", max_length=150, description="an agent id, or part of a name")
    action: Text = Field("", max_length=80, description='exact, or a prefix ending in "."')
    object_type: Text = Field("", max_length=40)
    object_id: Text = Field("", max_length=64)
    since: datetime | None = None
    until: datetime | None = None
    text: Text = Field("", max_length=200)
    cursor: int | None = Field(None, ge=1, le=2**62, description="next_cursor of the last page")
    limit: int = Field(50, ge=1, le=200)


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str
    object_id: str
    summary: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(Schema):
    items: list[AuditEntryOut]
    next_cursor: int | None


class VerifyOut(Schema):
    ok: bool
    checked: int
    bad_seq: int | None
    reason: str


@router.get(
    "/audit",
    response={200: AuditPage, **ERRORS},
    summary="Search the audit log (supervisors and admins)",
)
def audit_list(request: HttpRequest, query: Query[AuditQuery]) -> dict[str, Any]:
    filters = AuditFilters(**query.dict(exclude={"cursor", "limit"}))
    entries: list[AuditEntry]
    entries, cursor = audit_search(
        agent=request_agent(request), filters=filters, before_seq=query.cursor, limit=query.limit
    )
    return {"items": entries, "next_cursor": cursor}


@router.get(
    "/audit/verify",
    response={200: VerifyOut, **ERRORS},
    summary="Recompute the audit log's hash chain (admins)",
)
def audit_verify(request: HttpRequest) -> Any:
    return audit_verify_for_agent(agent=request_agent(request))
