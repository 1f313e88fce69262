"""API shapes of customers and their channel identities. See docs/architecture.md#entry-points."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from vigil.api_types import ID_DIGITS, LanguageCode, Text
from vigil.customers.choices import IdentityKind, VipTier
from vigil.customers.models import Customer
from vigil.tickets.schemas import TicketBriefOut


class IdentityOut(Schema):
    kind: IdentityKind
    address: str
    display_name: str


class CustomerOut(Schema):
    id: int
    uid: str | None = Field(description="The customer's account id on the exchange.")
    name: str
    email: str
    preferred_language: str
    vip_tier: VipTier
    notes: str
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_identities(obj: Customer) -> list[IdentityOut]:
        return [
            IdentityOut(kind=IdentityKind(i.kind), address=i.address, display_name=i.display_name)
            for i in obj.identities.all()
        ]


class CustomerDetailOut(CustomerOut):
    recent_tickets: list[TicketBriefOut] = Field(
        description="The customer's latest tickets that the caller may see, newest first."
    )


class CustomerUpdateIn(Schema):
    """Only the fields sent change; `uid` "" clears the exchange UID."""

    name: Annotated[Text, Field(max_length=200)] | None = None
    uid: Annotated[Text, Field(max_length=64)] | None = None
    preferred_language: LanguageCode | None = None
    vip_tier: VipTier | None = None
    notes: Annotated[Text, Field(max_length=20_000)] | None = None


class CustomerListQuery(Schema):
    q: Annotated[Text, Field(max_length=320)] | None = Field(
        None, description="An e-mail address, exchange UID, channel address, or part of a name."
    )
    cursor: Annotated[str, Field(pattern=f"^{ID_DIGITS}$")] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
