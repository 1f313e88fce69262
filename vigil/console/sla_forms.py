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
