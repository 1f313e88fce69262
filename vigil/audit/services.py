"""Writes to the audit log: one entry appended to the hash chain. See
docs/architecture.md#audit-log.

Call `audit_append` inside the transaction that makes the change it records: the entry commits
or rolls back with it. Appending locks the chain's head row (SELECT … FOR UPDATE on
PostgreSQL; SQLite writers already hold the database lock, BEGIN IMMEDIATE), so concurrent
writers get consecutive numbers and each entry links to the previous committed one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from vigil.audit.chain import entry_hash, json_safe
from vigil.audit.models import GENESIS_HASH, AuditEntry, AuditHead

if TYPE_CHECKING:
    from vigil.accounts.models import Agent


def _head_locked() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def audit_append(
    *,
    actor: Agent | None,
    action: str,
    object_type: str,
    object_id: str | int,
    summary: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction (or its own)."""
    with transaction.atomic():
        head = _head_locked()
        entry = AuditEntry(
            seq=head.last_seq + 1,
            at=timezone.now(),
            actor_id=actor.pk if actor is not None else None,
            actor_name=actor.display_name if actor is not None else "system",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            summary=summary[:500],
            data=json_safe(data or {}),
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry
