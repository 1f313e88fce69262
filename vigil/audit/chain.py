"""The audit log's hash chain: the canonical form of an entry, its hash, and verification.

See docs/architecture.md#audit-log. hash = SHA-256 of the canonical JSON of (seq, at, actor_id,
actor_name, action, object_type, object_id, summary, data, prev_hash): keys sorted, no spaces,
UTF-8, the time as ISO 8601 UTC with microseconds. Entry 1 links to 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from vigil.audit.models import GENESIS_HASH, AuditEntry, AuditHead


def json_safe(value: Any) -> Any:
    """Data as it will read back from either database: floats and decimals become strings
    (their JSON forms differ between SQLite and PostgreSQL), keys strings, tuples lists."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def _at(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    data: Any,
    prev_hash: str,
) -> bytes:
    body = {
        "seq": seq,
        "at": _at(at),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "summary": summary,
        "data": data,
        "prev_hash": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(
        canonical(
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_name=entry.actor_name,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            summary=entry.summary,
            data=entry.data,
            prev_hash=entry.prev_hash,
        )
    ).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None  # the first entry that does not hold
    reason: str = ""


def chain_verify(*, batch: int = 2000) -> VerifyResult:
    """Recompute the chain from entry 1: each entry's number follows the last, it links to the
    previous hash, and its own hash matches its content; the head matches the last entry."""
    prev_hash, expected, checked = GENESIS_HASH, 1, 0
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=batch)
    for entry in entries:
        if entry.seq != expected:
            return VerifyResult(False, checked, expected, f"entry {expected} is missing")
        if entry.prev_hash != prev_hash:
            return VerifyResult(
                False, checked, entry.seq, "it does not link to the previous entry's hash"
            )
        if entry_hash(entry) != entry.hash:
            return VerifyResult(False, checked, entry.seq, "its content does not match its hash")
        prev_hash, expected, checked = entry.hash, expected + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    last_seq, last_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if last_seq != checked or last_hash != prev_hash:
        return VerifyResult(
            False,
            checked,
            checked + 1 if last_seq > checked else checked,
            f"the chain's head says {last_seq} entries ending in {last_hash[:12]}…, "
            f"the log holds {checked} ending in {prev_hash[:12]}…",
        )
    return VerifyResult(True, checked)
