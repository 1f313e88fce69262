"""Reads for customers. See docs/architecture.md#customers."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from vigil.customers.models import Customer


def customers_search(*, q: str = "") -> QuerySet[Customer]:
    qs = Customer.objects.prefetch_related("identities").order_by("-id")
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(email__iexact=q) | Q(uid=q) | Q(name__icontains=q) | Q(identities__address=q)
        ).distinct()
    return qs


def customer_get(*, customer_id: int) -> Customer | None:
    return Customer.objects.prefetch_related("identities").filter(pk=customer_id).first()
