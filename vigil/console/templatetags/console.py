"""Template filters of the agent console: labels, waiting times, the activity log in words.

See docs/architecture.md#console. Everything returned here is translated with gettext.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from vigil.accounts.choices import Role
from vigil.approvals.display import action_step_text
from vigil.channels.choices import ChannelKind
from vigil.core.languages import LANGUAGE_NAMES
from vigil.customers.choices import IdentityKind, VipTier
from vigil.tickets.choices import (
    PRIORITY_BY_NAME,
    ActivityKind,
    Category,
    DeliveryStatus,
    Direction,
    Priority,
    TicketStatus,
)
from vigil.tickets.models import TicketActivity

register = template.Library()

_LABELS: dict[str, Any] = {
    "status": TicketStatus,
    "category": Category,
    "channel": ChannelKind,
    "identity": IdentityKind,
    "delivery": DeliveryStatus,
    "direction": Direction,
    "role": Role,
}


def _choice_label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


@register.filter
def label(value: Any, kind: str) -> str:
    """The translated label of a stored choice: {{ ticket.status|label:"status" }}."""
    if value in (None, ""):
        return ""
    if kind == "priority":
        return priority_label(value)
    if kind == "language":
        return language_name(value)
    if kind == "vip":
        return _choice_label(VipTier, value)
    return _choice_label(_LABELS[kind], value)


@register.filter
def priority_label(value: Any) -> str:
    """A priority by number (stored) or by name (as events and activity rows carry it)."""
    if isinstance(value, str) and not value.isdigit():
        found = PRIORITY_BY_NAME.get(value.lower())
        return str(found.label) if found else value
    return _choice_label(Priority, int(value))


@register.filter
def priority_name(value: int) -> str:
    """urgent / high / normal / low: a CSS-friendly name."""
    try:
        return Priority(value).name.lower()
    except ValueError:
        return "normal"


@register.filter
def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code) if code else ""


@register.filter
def waited(since: datetime | None, now: datetime | None = None) -> str:
    """How long since `since`, to the largest unit: "3 hours", "2 days" (translated)."""
    if since is None:
        return ""
    return timesince(since, now or timezone.now(), depth=1)


def _value(kind: str, value: Any) -> str:
    if value in (None, "", []):
        return {"assignee": _("nobody"), "team": _("no team"), "tags": _("none")}.get(
            kind, "\u2013"
        )
    if kind == "tags":
        return ", ".join(value)
    if kind in ("status", "category"):
        return label(value, kind)
    if kind == "priority":
        return priority_label(value)
    if kind == "language":
        return language_name(value)
    return str(value)


def _message_text(data: dict[str, Any]) -> str:
    direction = data.get("direction")
    if direction == Direction.INBOUND:
        return _("Customer wrote")
    if direction == Direction.OUTBOUND:
        return _("Replied to the customer")
    return _("Added an internal note")


@register.filter
def activity_text(activity: TicketActivity) -> str:
    """One line of the activity log, e.g. "Status: New → Open"."""
    data = activity.data or {}
    kind = activity.kind
    if kind == ActivityKind.CREATED:
        channel = label(data.get("channel"), "channel")
        return _("Ticket created via %(channel)s") % {"channel": channel}
    if kind == ActivityKind.MESSAGE:
        return _message_text(data)
    if kind == "action":  # a sensitive action's step (vigil.approvals)
        return action_step_text(data)
    if kind == ActivityKind.DELIVERY:
        state = label(data.get("status"), "delivery")
        error = data.get("error")
        return _("Delivery: %(state)s") % {"state": state} + (f" ({error})" if error else "")
    what = _choice_label(ActivityKind, kind)
    return f"{what}: {_value(kind, data.get('from'))} → {_value(kind, data.get('to'))}"
