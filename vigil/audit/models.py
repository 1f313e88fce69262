"""The audit log: an append-only, hash-chained record of who did what to which object.

See docs/architecture.md#audit-log. Rows are only ever inserted by `audit.services.audit_append`;
the model and its queryset refuse updates and deletes, and on PostgreSQL a trigger refuses them
too. Each entry's hash covers its content and the previous entry's hash, so a changed or
removed entry breaks the chain that `vigil audit verify` recomputes.
"""

from __future__ import annotations

from typing import Any

from django.db import models

GENESIS_HASH = "0" * 64


class AppendOnly(Exception):
    """Raised when code tries to change or remove an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("audit entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("audit entries cannot be deleted")

    def _raw_delete(self, using: Any) -> int:
        raise AppendOnly("audit entries cannot be deleted")


class AuditHead(models.Model):
    """The head of the chain (one row): the last sequence number and hash. Appending locks it,
    so entries get consecutive numbers and each links to the one committed before it."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


class AuditEntry(models.Model):
    """One thing that happened: `actor` (an agent, or none for the system) did `action` (e.g.
    "action.approved") to an object (`object_type`/`object_id`, e.g. "action_request"/"12").
    `data` holds the details, `summary` a line a person can read. `actor_id` and `actor_name`
    are copies, not a foreign key, so the entry stays exactly as written when an agent goes."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_entry_object_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("audit entries cannot be deleted")
