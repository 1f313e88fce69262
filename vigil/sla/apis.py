"""API endpoints for SLA policies, calendars and holidays, ticket SLA targets, shifts and
coverage. See docs/architecture.md#slas and docs/architecture.md#shifts-and-coverage.

Every agent reads; editing needs `sla.edit` / `shifts.edit` (supervisors and admins).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from vigil.api_types import ERRORS, ObjectId, request_agent
from vigil.sla.coverage import WEEK_HOURS, coverage_grid
from vigil.sla.models import Calendar, SlaPolicy, TicketSla
from vigil.sla.schemas import (
    AgentShiftsOut,
    CalendarIn,
    CalendarOut,
    CoverageOut,
    ExceptionIn,
    ExceptionOut,
    HolidayIn,
    HolidayOut,
    PolicyIn,
    PolicyOut,
    ShiftsIn,
    TargetOut,
)
from vigil.sla.selectors import (
    agent_shifts,
    calendar_get,
    calendars_list,
    holiday_get,
    policies_list,
    policy_get,
    shift_agent_get,
    shift_exception_get,
    ticket_targets,
)
from vigil.sla.services.admin import (
    calendar_save,
    holiday_add,
    holiday_remove,
    policy_save,
    shift_exception_add,
    shift_exception_remove,
    shifts_set,
)
from vigil.sla.shifts import zone
from vigil.tickets.selectors import ticket_get_for_agent

router = Router(tags=["sla"])


@router.get("/sla/policies", response={200: list[PolicyOut], **ERRORS}, summary="SLA policies")
def sla_policies(request: HttpRequest) -> list[SlaPolicy]:
    return list(policies_list())


@router.post("/sla/policies", response={201: PolicyOut, **ERRORS}, summary="Add an SLA policy")
def sla_policy_create(request: HttpRequest, payload: PolicyIn) -> Status:
    return Status(201, policy_save(actor=request_agent(request), values=payload.dict()))


@router.put(
    "/sla/policies/{policy_id}", response={200: PolicyOut, **ERRORS}, summary="Change a policy"
)
def sla_policy_update(request: HttpRequest, policy_id: ObjectId, payload: PolicyIn) -> SlaPolicy:
    policy = policy_get(policy_id)
    return policy_save(actor=request_agent(request), policy=policy, values=payload.dict())


@router.get("/sla/calendars", response={200: list[CalendarOut], **ERRORS}, summary="Calendars")
def sla_calendars(request: HttpRequest) -> list[Calendar]:
    return list(calendars_list())


@router.post("/sla/calendars", response={201: CalendarOut, **ERRORS}, summary="Add a calendar")
def sla_calendar_create(request: HttpRequest, payload: CalendarIn) -> Status:
    saved = calendar_save(actor=request_agent(request), **payload.dict())
    return Status(201, calendar_get(saved.pk))


@router.put(
    "/sla/calendars/{calendar_id}",
    response={200: CalendarOut, **ERRORS},
    summary="Change a calendar",
)
def sla_calendar_update(
    request: HttpRequest, calendar_id: ObjectId, payload: CalendarIn
) -> Calendar:
    calendar_save(
        actor=request_agent(request), calendar=calendar_get(calendar_id), **payload.dict()
    )
    return calendar_get(calendar_id)


@router.post(
    "/sla/calendars/{calendar_id}/holidays",
    response={201: HolidayOut, **ERRORS},
    summary="Add a holiday (a date in the calendar's zone)",
)
def sla_holiday_add(request: HttpRequest, calendar_id: ObjectId, payload: HolidayIn) -> Status:
    calendar = calendar_get(calendar_id)
    made = holiday_add(
        actor=request_agent(request), calendar=calendar, day=payload.date, name=payload.name
    )
    return Status(201, made)


@router.delete(
    "/sla/calendars/{calendar_id}/holidays/{holiday_id}",
    response={204: None, **ERRORS},
    summary="Remove a holiday",
)
def sla_holiday_remove(request: HttpRequest, calendar_id: ObjectId, holiday_id: ObjectId) -> Status:
    holiday_remove(actor=request_agent(request), holiday=holiday_get(calendar_id, holiday_id))
    return Status(204, None)


@router.get(
    "/tickets/{ticket_id}/sla",
    response={200: list[TargetOut], **ERRORS},
    summary="A ticket's SLA targets",
)
def ticket_sla(request: HttpRequest, ticket_id: ObjectId) -> list[TicketSla]:
    ticket = ticket_get_for_agent(request_agent(request), ticket_id)
    return list(ticket_targets(ticket_id=ticket.pk))


def _shifts_out(agent_id: int) -> dict[str, Any]:
    agent = shift_agent_get(agent_id)
    since = timezone.now() - timedelta(days=1)
    patterns, exceptions = agent_shifts(agent_id=agent.pk, since=since)
    return {
        "agent_id": agent.pk,
        "timezone": agent.timezone,
        "shifts": patterns,
        "exceptions": exceptions,
    }


@router.get(
    "/agents/{agent_id}/shifts",
    response={200: AgentShiftsOut, **ERRORS},
    summary="An agent's weekly shifts (in their time zone) and coming exceptions",
)
def agent_shifts_get(request: HttpRequest, agent_id: ObjectId) -> dict[str, Any]:
    return _shifts_out(agent_id)


@router.put(
    "/agents/{agent_id}/shifts",
    response={200: AgentShiftsOut, **ERRORS},
    summary="Replace an agent's weekly shifts",
)
def agent_shifts_put(request: HttpRequest, agent_id: ObjectId, payload: ShiftsIn) -> dict[str, Any]:
    shifts_set(
        actor=request_agent(request),
        agent=shift_agent_get(agent_id),
        shifts=[(s.weekday, s.start, s.end) for s in payload.shifts],
    )
    return _shifts_out(agent_id)


@router.post(
    "/agents/{agent_id}/shift-exceptions",
    response={201: ExceptionOut, **ERRORS},
    summary="Add time off or an extra shift",
)
def agent_shift_exception_add(
    request: HttpRequest, agent_id: ObjectId, payload: ExceptionIn
) -> Status:
    made = shift_exception_add(
        actor=request_agent(request), agent=shift_agent_get(agent_id), **payload.dict()
    )
    return Status(201, made)


@router.delete(
    "/agents/{agent_id}/shift-exceptions/{exception_id}",
    response={204: None, **ERRORS},
    summary="Remove time off or an extra shift",
)
def agent_shift_exception_remove(
    request: HttpRequest, agent_id: ObjectId, exception_id: ObjectId
) -> Status:
    found = shift_exception_get(agent_id=agent_id, exception_id=exception_id)
    shift_exception_remove(actor=request_agent(request), exception=found)
    return Status(204, None)


class CoverageQuery(Schema):
    zone: str = "UTC"
    start: datetime | None = None
    hours: int = WEEK_HOURS


@router.get(
    "/coverage",
    response={200: CoverageOut, **ERRORS},
    summary="Agents on shift per language and hour for the next 7 days, and the gaps",
)
def coverage(request: HttpRequest, query: Query[CoverageQuery]) -> dict[str, Any]:
    request_agent(request)
    grid = coverage_grid(
        start=query.start, hours=max(1, min(query.hours, WEEK_HOURS)), display_zone=query.zone
    )
    tz = zone(grid.zone)
    return {
        "zone": grid.zone,
        "hours": [s.starts_at.astimezone(tz) for s in grid.slots],
        "counts": grid.counts,
        "gaps": {
            lang: [{"start": a.astimezone(tz), "end": b.astimezone(tz)} for a, b in gaps]
            for lang, gaps in grid.gaps.items()
        },
    }
