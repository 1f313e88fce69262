"""A customer is one person, however many channels they write from."""

from __future__ import annotations

from django.db import models

from vigil.core.models import TimeStampedModel
from vigil.customers.choices import IdentityKind, VipTier


class Customer(TimeStampedModel):
    """A trader who contacts the desk. `uid` is their account id on the exchange, when known;
    `vip_tier` raises their priority; `preferred_language` is what replies are written in."""

    # NULL, not "", when unknown: many customers have no UID and it must stay unique.
    uid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    preferred_language = models.CharField(max_length=16, blank=True)
    vip_tier = models.PositiveSmallIntegerField(choices=VipTier.choices, default=VipTier.NONE)
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name or self.email or f"Customer {self.pk}"


class ChannelIdentity(TimeStampedModel):
    """How one customer is known on one channel: an e-mail address, a Telegram chat id, a chat
    visitor id. A (kind, address) pair belongs to exactly one customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    address = models.CharField(max_length=320)
    display_name = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "address"], name="customers_identity_kind_address_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.address}"
