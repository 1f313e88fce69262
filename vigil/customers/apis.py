"""API endpoints for customers. See docs/architecture.md#entry-points."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from vigil.api_types import ERRORS, ObjectId, Page, request_agent
from vigil.core.errors import NotFound
from vigil.customers.models import Customer
from vigil.customers.schemas import (
    CustomerDetailOut,
    CustomerListQuery,
    CustomerOut,
    CustomerUpdateIn,
)
from vigil.customers.selectors import customer_get, customers_search
from vigil.customers.services import customer_update
from vigil.tickets.selectors import visible_tickets

router = Router(tags=["customers"])

RECENT_TICKETS = 20


@router.get("/customers", response={200: Page[CustomerOut], **ERRORS}, summary="Find customers")
def customers_list(request: HttpRequest, query: Query[CustomerListQuery]) -> dict[str, Any]:
    """Newest first; pass `next_cursor` back as `cursor` for older ones."""
    qs = customers_search(q=query.q or "")
    if query.cursor:
        qs = qs.filter(pk__lt=int(query.cursor))
    rows = list(qs[: query.limit + 1])
    items = rows[: query.limit]
    more = len(rows) > query.limit
    return {"items": items, "next_cursor": str(items[-1].pk) if more else None}


def _customer(customer_id: int) -> Customer:
    customer = customer_get(customer_id=customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return customer


@router.get(
    "/customers/{customer_id}",
    response={200: CustomerDetailOut, **ERRORS},
    summary="A customer with their identities and recent tickets",
)
def customer_detail(request: HttpRequest, customer_id: ObjectId) -> Customer:
    customer = _customer(customer_id)
    customer.recent_tickets = list(  # type: ignore[attr-defined]
        visible_tickets(request_agent(request))
        .filter(customer=customer)
        .order_by("-created_at", "-id")[:RECENT_TICKETS]
    )
    return customer


@router.patch(
    "/customers/{customer_id}",
    response={200: CustomerDetailOut, **ERRORS},
    summary="Change a customer",
)
def customer_patch(
    request: HttpRequest, customer_id: ObjectId, payload: CustomerUpdateIn
) -> Customer:
    customer = customer_update(
        customer=_customer(customer_id),
        name=payload.name,
        uid=payload.uid,
        preferred_language=payload.preferred_language,
        vip_tier=payload.vip_tier,
        notes=payload.notes,
    )
    return customer_detail(request, customer.pk)
