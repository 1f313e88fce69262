"""SLA and shift API: everyone reads, supervisors edit; ticket SLA fields and targets."""

from __future__ import annotations

import pytest

from tests.api.conftest import Desk, ticket_in
from tests.sla.conftest import Clock
from vigil.sla.models import ShiftPattern

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sla_defaults")]


def test_calendar_with_hours_and_holidays_supervisor_only(desk: Desk) -> None:
    body = {
        "name": "Tokyo office",
        "timezone": "Asia/Tokyo",
        "always_open": False,
        "hours": {"0": [["09:00", "12:00"], ["13:00", "18:00"]]},
    }
    denied = desk.api_a.post("/sla/calendars", body)
    assert denied.status == 403
    made = desk.api_sup.post("/sla/calendars", body)
    assert made.status == 201, made.body
    cal = made.body["id"]
    assert made.body["hours"] == {"0": [["09:00", "12:00"], ["13:00", "18:00"]]}
    bad = desk.api_sup.post("/sla/calendars", {**body, "name": "X", "timezone": "Mars/Base"})
    assert bad.status == 422
    overlap = {**body, "name": "Y", "hours": {"0": [["09:00", "12:00"], ["11:00", "13:00"]]}}
    assert desk.api_sup.post("/sla/calendars", overlap).status == 422
    holiday = desk.api_sup.post(f"/sla/calendars/{cal}/holidays", {"date": "2027-01-11"})
    assert holiday.status == 201
    listed = desk.api_a.get("/sla/calendars").body
    tokyo = next(c for c in listed if c["id"] == cal)
    assert [h["date"] for h in tokyo["holidays"]] == ["2027-01-11"]
    gone = desk.api_sup.client.delete(
        f"/api/v1/sla/calendars/{cal}/holidays/{holiday.body['id']}",
        headers=desk.api_sup._headers(None),
    )
    assert gone.status_code == 204
    assert desk.api_a.get("/sla/calendars").body[-1]["holidays"] == []


def test_policies_read_by_all_and_one_active_per_key(desk: Desk) -> None:
    policies = desk.api_a.get("/sla/policies").body
    chat_urgent = next(p for p in policies if p["channel"] == "chat" and p["priority"] == 4)
    assert chat_urgent["first_response_minutes"] == 2
    dup = {k: v for k, v in chat_urgent.items() if k != "id"}
    assert desk.api_sup.post("/sla/policies", dup).status == 409
    changed = desk.api_sup.request(
        "PUT", f"/sla/policies/{chat_urgent['id']}", {**dup, "first_response_minutes": 1}
    )
    assert changed.status == 200 and changed.body["first_response_minutes"] == 1
    assert desk.api_a.request("PUT", f"/sla/policies/{chat_urgent['id']}", dup).status == 403


def test_ticket_carries_its_sla(desk: Desk, clock: Clock) -> None:
    ticket = ticket_in(desk.team_a, subject="A question", text="How do I change my nickname?")
    got = desk.api_a.get(f"/tickets/{ticket.pk}").body
    assert got["sla_state"] == "ok"
    assert got["sla_due_at"].startswith("2027-01-08T16:00:00")  # 08:00 + 8 h first response
    targets = desk.api_a.get(f"/tickets/{ticket.pk}/sla").body
    assert sorted(t["kind"] for t in targets) == ["first_response", "resolution"]
    assert desk.api_b.get(f"/tickets/{ticket.pk}/sla").status == 404


def test_shifts_and_coverage(desk: Desk) -> None:
    shifts = {"shifts": [{"weekday": 0, "start": "22:00", "end": "06:00"}]}
    path = f"/agents/{desk.agent_b.pk}/shifts"
    assert desk.api_a.request("PUT", path, shifts).status == 403
    put = desk.api_sup.request("PUT", path, shifts)
    assert put.status == 200, put.body
    assert ShiftPattern.objects.filter(agent=desk.agent_b).count() == 1
    # A shift is wall time in the agent's own zone: a time with an offset is refused, not a 500.
    offset = {"shifts": [{"weekday": 1, "start": "09:00+02:00", "end": "17:00"}]}
    refused = desk.api_sup.request("PUT", path, offset)
    assert refused.status == 422 and "offset" in str(refused.body), refused.body
    assert ShiftPattern.objects.filter(agent=desk.agent_b).count() == 1
    off = desk.api_sup.post(
        f"/agents/{desk.agent_b.pk}/shift-exceptions",
        {"kind": "off", "starts_at": "2027-01-11T00:00Z", "ends_at": "2027-01-12T00:00Z"},
    )
    assert off.status == 201, off.body
    read = desk.api_a.get(path).body
    assert read["shifts"][0]["start"] == "22:00:00"
    grid = desk.api_a.get(
        "/coverage", {"start": "2027-01-12T00:00:00Z", "hours": 24, "zone": "Asia/Shanghai"}
    ).body
    # agent B (UTC, zh-hans) works Monday 22:00 to Tuesday 06:00 UTC; the grid starts at
    # 08:00 Shanghai = 00:00 UTC Tuesday: six hours covered, then a gap.
    assert grid["counts"]["zh-hans"][:6] == [1] * 6 and sum(grid["counts"]["zh-hans"]) == 6
    assert grid["hours"][0].startswith("2027-01-12T08:00:00+08:00")
    assert grid["gaps"]["zh-hans"][0]["start"].startswith("2027-01-12T14:00:00+08:00")


def test_ticket_list_sorted_by_sla_due(desk: Desk, clock: Clock) -> None:
    from vigil.tickets.choices import Priority

    low = ticket_in(None, subject="Q", text="How do I change my nickname?", priority=Priority.LOW)
    urgent = ticket_in(None, subject="Q", text="How do I change my name?", priority=4)
    first = desk.api_sup.get("/tickets", {"sort": "sla", "limit": 1})
    assert [t["id"] for t in first.body["items"]] == [urgent.pk]
    cursor = first.body["next_cursor"]
    second = desk.api_sup.get("/tickets", {"sort": "sla", "limit": 1, "cursor": cursor})
    assert [t["id"] for t in second.body["items"]] == [low.pk]
    assert desk.api_sup.get("/tickets", {"sort": "due"}).status == 422
