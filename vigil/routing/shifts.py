"""Who is on shift, as routing sees it. See docs/architecture.md#routing-and-assignment.

Shifts belong to vigil.sla (`vigil.sla.shifts.agents_on_shift`); until that module exists,
an agent whose presence is online counts as on shift.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime

from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent


def _sla_on_shift() -> Callable[..., set[int]] | None:
    try:
        module = importlib.import_module("vigil.sla.shifts")
    except ImportError:
        return None
    found: Callable[..., set[int]] | None = getattr(module, "agents_on_shift", None)
    return found


def on_shift_ids(*, at: datetime) -> set[int]:
    """Ids of the agents on shift at `at`."""
    from_sla = _sla_on_shift()
    if from_sla is not None:
        return set(from_sla(at=at))
    return set(
        Agent.objects.filter(presence=Presence.ONLINE, user__is_active=True).values_list(
            "pk", flat=True
        )
    )
