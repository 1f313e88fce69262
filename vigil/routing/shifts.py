"""Who is on shift, as routing sees it. See docs/architecture.md#routing-and-assignment.

Shifts belong to vigil.sla (`agents_on_shift`: weekly patterns and exceptions; an agent
without a schedule counts as on shift while their presence is online).
"""

from __future__ import annotations

from datetime import datetime

from vigil.sla.shifts import agents_on_shift


def on_shift_ids(*, at: datetime) -> set[int]:
    """Ids of the agents on shift at `at`."""
    return set(agents_on_shift(at=at))
