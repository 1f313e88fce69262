"""Reads of the demo seeder: which planned tickets are already stored.

See docs/architecture.md#the-apps.
"""

from __future__ import annotations

from collections.abc import Sequence

from vigil.channels.models import ChannelAccount
from vigil.demo.plan import TicketPlan
from vigil.tickets.models import Message


def demo_tickets_stored(*, plans: Sequence[TicketPlan]) -> set[int]:
    """The indexes of planned tickets whose first message exists (their story is complete:
    each ticket is seeded in one transaction)."""
    by_id = {plan.external_id: plan.index for plan in plans}
    ids = list(by_id)
    stored: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        found = Message.objects.filter(external_id__in=chunk).values_list("external_id", flat=True)
        stored.update(by_id[external_id] for external_id in found if external_id)
    return stored


def demo_channel_account_get(*, kind: str, address: str) -> ChannelAccount | None:
    return ChannelAccount.objects.filter(kind=kind, address=address).first()
