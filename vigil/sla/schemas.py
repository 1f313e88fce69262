"""API shapes of SLA policies, calendars, holidays, targets, shifts and coverage. See
docs/architecture.md#slas and docs/architecture.md#shifts-and-coverage."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, field_validator

from vigil.api_types import ObjectId, Text

Minutes = Annotated[int, Field(ge=1, le=525_600)]
ClockText = Annotated[
    Text, Field(pattern=r"^\d{2}:\d{2}$", description='"HH:MM", "24:00" ends a day')
]


class CalendarIn(Schema):
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    timezone: Annotated[Text, Field(max_length=64)] = "UTC"
    always_open: bool = Field(True, description="24/7: hours and holidays are ignored.")
    hours: dict[Literal["0", "1", "2", "3", "4", "5", "6"], list[tuple[ClockText, ClockText]]] = (
        Field(
            default_factory=dict,
            description='Weekday ("0" Monday … "6" Sunday) -> intervals of local wall time, '
            'e.g. {"0": [["09:00", "12:00"], ["13:00", "18:00"]]}.',
        )
    )


class HolidayIn(Schema):
    date: date
    name: Annotated[Text, Field(max_length=100)] = ""


class HolidayOut(Schema):
    id: int
    date: date
    name: str


class CalendarOut(Schema):
    id: int
    name: str
    timezone: str
    always_open: bool
    hours: dict[str, list[list[str]]]
    holidays: list[HolidayOut]

    @staticmethod
    def resolve_holidays(obj: object) -> list[object]:
        return list(obj.holidays.all())  # type: ignore[attr-defined]


class PolicyIn(Schema):
    name: Annotated[Text, Field(min_length=1, max_length=100)]
    priority: int = Field(0, ge=0, le=4, description="0 any, 1 low … 4 urgent")
    channel: Annotated[Text, Field(max_length=16)] = Field("", description='"" any channel')
    calendar_id: ObjectId
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    warn_percent: int = Field(80, ge=1, le=100)
    warn_minutes: Minutes | None = Field(None, description="Warn this long before due instead.")
    escalate_raise_priority: bool = False
    escalate_unassign: bool = False
    escalate_team_id: ObjectId | None = None
    is_active: bool = True


class PolicyOut(PolicyIn):
    id: int
    calendar_id: int
    escalate_team_id: int | None = None


class TargetOut(Schema):
    id: int
    kind: str
    policy_id: int | None
    target_minutes: int
    started_at: datetime
    due_at: datetime | None = Field(description="null while paused")
    warn_at: datetime | None
    paused_at: datetime | None
    remaining_seconds: int | None
    paused_seconds: int
    warned_at: datetime | None
    breached_at: datetime | None
    met_at: datetime | None
    cancelled_at: datetime | None


class ShiftIn(Schema):
    weekday: int = Field(ge=0, le=6, description="0 Monday … 6 Sunday")
    start: time = Field(description="Local time in the agent's own zone, without an offset.")
    end: time = Field(description="At or before start: the shift crosses midnight.")

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("a shift's times are in the agent's own time zone: give no offset")
        return value


class ShiftsIn(Schema):
    shifts: list[ShiftIn] = Field(max_length=100)


LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"


class ShiftOut(Schema):
    """Times of day in the agent's own zone, without an offset (JSON Schema's "time" format
    demands one, so they are published as patterned strings)."""

    id: int
    weekday: int
    start: str = Field(pattern=LOCAL_TIME, description="HH:MM:SS in the agent's time zone")
    end: str = Field(pattern=LOCAL_TIME, description="At or before start: crosses midnight.")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time_text(cls, value: object) -> object:
        return value.strftime("%H:%M:%S") if isinstance(value, time) else value


class ExceptionIn(Schema):
    kind: Literal["off", "extra"]
    starts_at: datetime = Field(description="With its offset, e.g. 2027-01-11T09:00+08:00")
    ends_at: datetime
    note: Annotated[Text, Field(max_length=200)] = ""


class ExceptionOut(ExceptionIn):
    id: int


class AgentShiftsOut(Schema):
    agent_id: int
    timezone: str
    shifts: list[ShiftOut]
    exceptions: list[ExceptionOut]


class GapOut(Schema):
    start: datetime
    end: datetime  # exclusive


class CoverageOut(Schema):
    zone: str
    hours: list[datetime] = Field(description="Start of each hourly slot, in the display zone")
    counts: dict[str, list[int]] = Field(description="language -> agents on shift per slot")
    gaps: dict[str, list[GapOut]] = Field(
        description="language -> the spans [start, end) with nobody on shift"
    )
