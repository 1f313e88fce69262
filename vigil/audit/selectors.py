"""Reads of the audit log: search, with the audit.read permission. See
docs/architecture.md#audit-log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from vigil.accounts.models import Agent
from vigil.accounts.permissions import permission_require
from vigil.audit.chain import VerifyResult, chain_verify
from vigil.audit.models import AuditEntry


@dataclass(frozen=True, kw_only=True)
class AuditFilters:
    actor: str = ""  # an agent id, or part of a name ("system" for the desk itself)
    action: str = ""  # exact, or a prefix ending in "." ("action.")
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""  # in the summary, the action or the object id


def _filtered(f: AuditFilters) -> QuerySet[AuditEntry]:
    rows = AuditEntry.objects.all()
    actor = f.actor.strip()
    if actor.isdigit():
        rows = rows.filter(actor_id=int(actor))
    elif actor:
        rows = rows.filter(actor_name__icontains=actor)
    action = f.action.strip()
    if action.endswith("."):
        rows = rows.filter(action__startswith=action)
    elif action:
        rows = rows.filter(action=action)
    if f.object_type.strip():
        rows = rows.filter(object_type=f.object_type.strip())
    if f.object_id.strip():
        rows = rows.filter(object_id=f.object_id.strip())
    if f.since is not None:
        rows = rows.filter(at__gte=f.since)
    if f.until is not None:
        rows = rows.filter(at__lt=f.until)
    text = f.text.strip()
    if text:
        rows = rows.filter(
            Q(summary__icontains=text) | Q(action__icontains=text) | Q(object_id=text)
        )
    return rows


def audit_search(
    *, agent: Agent, filters: AuditFilters, before_seq: int | None = None, limit: int = 50
) -> tuple[list[AuditEntry], int | None]:
    """Newest first, keyset-paginated on seq: (entries, the cursor of the next page or None)."""
    permission_require(agent, "audit.read")
    rows = _filtered(filters)
    if before_seq is not None:
        rows = rows.filter(seq__lt=before_seq)
    page = list(rows.order_by("-seq")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].seq if more and page else None)


def audit_verify_for_agent(*, agent: Agent) -> VerifyResult:
    permission_require(agent, "audit.verify")
    return chain_verify()
