"""Template tags for SLA badges: state and time left. See docs/architecture.md#slas."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


def duration(delta: timedelta) -> str:
    """3d 4h, 2h 5m, 12m, <1m."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m" if mins else "<1m"


@register.simple_tag
def sla_badge(ticket: Any, now: datetime) -> SafeString | str:
    """The ticket's SLA as a badge: time left, overdue, or paused; nothing without an SLA."""
    state = ticket.sla_state
    due = ticket.sla_due_at
    if not state:
        return ""
    if state == "paused" or due is None:
        return format_html('<span class="sla sla-paused">{}</span>', _("SLA paused"))
    left = due - now
    if left <= timedelta(0):
        text = _("overdue %(time)s") % {"time": duration(left)}
        state = "breached"
    else:
        text = _("%(time)s left") % {"time": duration(left)}
    return format_html(
        '<span class="sla sla-{}" title="{}"><time datetime="{}">{}</time></span>',
        state,
        _("SLA due %(when)s") % {"when": due.strftime("%Y-%m-%d %H:%M UTC")},
        due.isoformat(),
        text,
    )


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@register.filter
def weekday_name(value: int | str) -> str:
    """0 or "0" -> Mon … 6 -> Sun."""
    try:
        return WEEKDAYS[int(value)]
    except (ValueError, IndexError):
        return str(value)


@register.filter
def day_hours(hours: dict[str, list[list[str]]], weekday: int | str) -> str:
    """A calendar's intervals on `weekday` as the console edits them: "09:00-12:00, 13:00-18:00"."""
    return ", ".join(f"{a}-{b}" for a, b in (hours or {}).get(str(weekday), []))
