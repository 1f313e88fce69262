"""The ticket status machine: which status may follow which.

See docs/architecture.md#ticket-status. Only tickets.services applies it.
"""

from __future__ import annotations

from vigil.tickets.choices import TicketStatus

S = TicketStatus

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING, S.ON_HOLD, S.SOLVED}),
    S.OPEN: frozenset({S.PENDING, S.ON_HOLD, S.SOLVED}),
    S.PENDING: frozenset({S.OPEN, S.ON_HOLD, S.SOLVED}),
    S.ON_HOLD: frozenset({S.OPEN, S.PENDING, S.SOLVED}),
    S.SOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),  # final: a customer writing again opens a follow-up ticket
}

# What a customer's message does to the status it finds.
ON_CUSTOMER_MESSAGE: dict[str, str] = {
    S.NEW: S.NEW,
    S.OPEN: S.OPEN,
    S.PENDING: S.OPEN,
    S.ON_HOLD: S.OPEN,
    S.SOLVED: S.OPEN,
}


def can_transition(current: str, new: str) -> bool:
    return new in ALLOWED_TRANSITIONS.get(current, frozenset())
