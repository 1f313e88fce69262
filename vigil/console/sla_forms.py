"""Forms of the console's shift editor: they parse input; vigil.sla.services.admin decides.
See docs/architecture.md#shifts-and-coverage.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from vigil.core.errors import ValidationFailed
from vigil.sla.choices import ExceptionKind
from vigil.sla.shifts import zone

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _clock(raw: str) -> time:
    try:
        return time.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed(f"{raw!r} is not a time of day (HH:MM)") from None


def weekly_rows(data: QueryDict) -> list[tuple[int, time, time]]:
    """The rows of the weekly table: lists `weekday`, `start`, `end`; rows whose index is in
    `remove` or whose times are both blank are left out."""
    removed = set(data.getlist("remove"))
    rows = []
    columns = zip(data.getlist("weekday"), data.getlist("start"), data.getlist("end"), strict=False)
    for index, (weekday, start, end) in enumerate(columns):
        if str(index) in removed or not (start.strip() or end.strip()):
            continue
        if not weekday.isdigit():
            raise ValidationFailed(f"{weekday!r} is not a weekday (0 Monday to 6 Sunday)")
        rows.append((int(weekday), _clock(start), _clock(end)))
    return rows


class ShiftExceptionForm(forms.Form):
    """Time off or an extra shift, its times in the agent's own time zone."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ExceptionKind.choices)
    starts_at = forms.DateTimeField(label=_("From"), input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label=_("Until"), input_formats=DATETIME_FORMATS)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def arguments(self, timezone: str) -> dict[str, Any]:
        """The keyword arguments of shift_exception_add, times made aware in `timezone`."""
        if not self.is_valid():
            raise ValidationFailed(
                "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in self.errors.items())
            )
        tz = zone(timezone)

        def aware(value: datetime) -> datetime:
            return value.replace(tzinfo=None).replace(tzinfo=tz)

        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "starts_at": aware(data["starts_at"]),
            "ends_at": aware(data["ends_at"]),
            "note": data["note"],
        }


def calendar_values(data: QueryDict) -> dict[str, Any]:
    """calendar_save's time zone, 24/7 flag and hours from `timezone`, `always_open` and
    `hours_0` … `hours_6` ("09:00-12:00, 13:00-18:00"; blank = closed)."""
    hours: dict[str, list[list[str]]] = {}
    for weekday in range(7):
        text = data.get(f"hours_{weekday}", "").strip()
        intervals = [part.strip() for part in text.split(",") if part.strip()]
        pairs = [part.replace("\u2013", "-").split("-") for part in intervals]
        if any(len(pair) != 2 for pair in pairs):
            raise ValidationFailed(f"{text!r}: write hours as 09:00-12:00, 13:00-18:00")
        if pairs:
            hours[str(weekday)] = [[a.strip(), b.strip()] for a, b in pairs]
    return {
        "timezone": data.get("timezone", "").strip(),
        "always_open": data.get("always_open") == "on",
        "hours": hours,
    }


def minutes_value(raw: str | None) -> int | None:
    """A number of minutes (blank = None) up to a year."""
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= 525_600:
        raise ValidationFailed(f"{text!r} is not a number of minutes")
    return int(text)


def escalation_values(data: QueryDict) -> dict[str, Any]:
    """policy_save's warning lead and on-breach settings from `warn_minutes` (blank = use the
    percent), the `raise_priority` and `unassign` checkboxes and `escalate_team` (blank = none)."""
    team = data.get("escalate_team", "").strip()
    if team and not team.isdigit():
        raise ValidationFailed(f"{team!r} is not a team")
    return {
        "warn_minutes": minutes_value(data.get("warn_minutes")),
        "escalate_raise_priority": data.get("raise_priority") == "on",
        "escalate_unassign": data.get("unassign") == "on",
        "escalate_team_id": int(team) if team.isdigit() else None,
    }
