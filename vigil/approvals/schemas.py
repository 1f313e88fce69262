"""API shapes of sensitive actions. See docs/architecture.md#sensitive-actions-and-approvals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from vigil.accounts.schemas import AgentRef
from vigil.api_types import ObjectId, Text
from vigil.approvals.choices import ActionKind, ActionStatus


class ActionRequestIn(Schema):
    ticket_id: ObjectId
    kind: ActionKind
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="unlock_account, reset_2fa: {}; whitelist_address: {asset, chain, address, "
        "memo?}; release_withdrawal: {withdrawal_id}; balance_adjust: {asset, amount (a decimal "
        'string, > 0), sign: "credit"|"debit"}',
    )
    reason: Text = Field(..., min_length=5, max_length=2000)


class DecisionIn(Schema):
    comment: Text = Field("", max_length=2000)


class ActionOut(Schema):
    id: int
    kind: ActionKind
    status: ActionStatus
    ticket_id: int
    uid: str
    params: dict[str, Any]
    reason: str
    approve_permission: str
    requested_by: AgentRef
    decided_by: AgentRef | None
    decided_at: datetime | None
    decision_comment: str
    created_at: datetime
    expires_at: datetime
    attempts: int
    executed_at: datetime | None
    reference: str
    result_message: str
    last_error: str


class ActionPage(Schema):
    items: list[ActionOut]
    next_cursor: int | None


class PermissionRow(Schema):
    name: str
    description: str
    minimum: str
    roles: dict[str, bool]
