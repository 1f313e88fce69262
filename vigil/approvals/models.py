"""Sensitive actions on a customer's exchange account, done only with a second person's approval.

See docs/architecture.md#sensitive-actions-and-approvals.
"""

from __future__ import annotations

from django.db import models

from vigil.approvals.choices import ActionKind, ActionStatus
from vigil.core.models import TimeStampedModel


class ActionRequest(TimeStampedModel):
    """A request, from a ticket, to do something on the exchange for the ticket's customer
    (unlock their account, reset 2FA, whitelist an address, release a withdrawal, adjust a
    balance). An agent other than the requester, holding `approve_permission`, approves or
    refuses it; an approved one is sent to the exchange under `idempotency_key` (the same key
    on every attempt, so the exchange does it once). `uid` is the customer's exchange UID when
    it was requested."""

    kind = models.CharField(max_length=24, choices=ActionKind.choices)
    status = models.CharField(
        max_length=12, choices=ActionStatus.choices, default=ActionStatus.PENDING, db_index=True
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="action_requests"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="action_requests"
    )
    uid = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    # The permission an approver needs, e.g. "action.approve.balance_adjust.large".
    approve_permission = models.CharField(max_length=60)
    requested_by = models.ForeignKey(
        "accounts.Agent", on_delete=models.PROTECT, related_name="action_requests"
    )
    decided_by = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="action_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    expires_at = models.DateTimeField(db_index=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    executed_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(max_length=120, blank=True)  # the exchange's reference
    result_message = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="approvals_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.uid} ({self.status})"
