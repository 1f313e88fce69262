"""Factories for sensitive actions: a ticket whose customer has an exchange UID, a request."""

from __future__ import annotations

import itertools
from typing import Any

from tests.factories.tickets import ingest
from vigil.accounts.models import Agent
from vigil.approvals.models import ActionRequest
from vigil.approvals.services import action_request
from vigil.tickets.models import Ticket

_seq = itertools.count(1)


def ticket_with_uid(uid: str | None = None, **overrides: Any) -> Ticket:
    ticket = ingest(customer_uid=uid or f"UID{next(_seq):06d}", **overrides).ticket
    return Ticket.objects.select_related("customer").get(pk=ticket.pk)


def make_request(
    *,
    agent: Agent,
    ticket: Ticket | None = None,
    kind: str = "unlock_account",
    params: dict[str, Any] | None = None,
    reason: str = "Customer verified by video call",
) -> ActionRequest:
    return action_request(
        agent=agent,
        ticket=ticket or ticket_with_uid(),
        kind=kind,
        params=params or {},
        reason=reason,
    )
