"""SLA in the console and the inbox: badges, the "SLA due first" order walked by cursor,
the SLA and coverage pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import Desk
from tests.factories.sla import make_week
from tests.factories.tickets import ingest
from tests.sla.conftest import Clock
from vigil.accounts.models import Agent
from vigil.tickets.choices import Priority
from vigil.tickets.models import Ticket
from vigil.tickets.selectors import SORT_SLA, TicketFilters, inbox_page
from vigil.tickets.services import message_reply, ticket_update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sla_defaults")]

ROW = re.compile(r'data-ticket-id="(\d+)"')


def _open(priority: int) -> Ticket:
    t = ingest(subject="A question", text="How do I change my nickname?", priority=priority)
    return Ticket.objects.select_related("customer", "team", "assignee").get(pk=t.ticket.pk)


def _client(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


def test_sla_order_walks_running_clocks_then_the_rest(desk: Desk, clock: Clock) -> None:
    low = _open(Priority.LOW)  # first response due in 24 h
    clock.advance(minutes=1)
    urgent = _open(Priority.URGENT)  # 1 h
    clock.advance(minutes=1)
    normal = _open(Priority.NORMAL)  # 8 h
    clock.advance(minutes=1)
    paused = _open(Priority.HIGH)
    message_reply(ticket=paused, agent=desk.supervisor, text="Which coin?", status="pending")
    clock.advance(minutes=1)
    high = _open(Priority.HIGH)  # 4 h
    filters = TicketFilters(sort=SORT_SLA)
    seen: list[int] = []
    cursor = None
    while True:
        page = inbox_page(agent=desk.supervisor, filters=filters, cursor=cursor, limit=2)
        seen += [t.pk for t in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [urgent.pk, high.pk, normal.pk, low.pk, paused.pk]
    default = inbox_page(agent=desk.supervisor, filters=TicketFilters(), limit=10)
    assert [t.pk for t in default.items] == [urgent.pk, paused.pk, high.pk, normal.pk, low.pk]


def test_inbox_badges_sort_select_and_ticket_panel(desk: Desk, clock: Clock) -> None:
    ticket = _open(Priority.URGENT)
    client = _client(desk.supervisor)
    body = client.get(reverse("console:inbox"), {"sort": "sla"}).content.decode()
    assert ROW.findall(body) == [str(ticket.pk)]
    assert 'class="sla sla-ok"' in body and "1h 0m left" in body
    assert '<option value="sla" selected>' in body
    clock.advance(hours=2)
    body = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert 'class="sla sla-breached"' in body and "overdue 1h 0m" in body
    panel = client.get(reverse("console:ticket_sla", args=[ticket.pk])).content.decode()
    assert 'data-target="first_response"' in panel and 'data-target="resolution"' in panel
    ticket_update(ticket=ticket, actor=None, team=desk.team_a)
    other = _client(desk.agent_b)  # team B: may not see team A's ticket
    assert other.get(reverse("console:ticket_sla", args=[ticket.pk])).status_code == 404


def test_sla_and_coverage_pages(desk: Desk) -> None:
    Agent.objects.filter(pk=desk.agent_b.pk).update(timezone="Asia/Shanghai")
    make_week(agent=desk.agent_b, start="09:00", end="18:00", days=range(7))
    client = _client(desk.agent_a)
    page = client.get(reverse("console:sla")).content.decode()
    assert "Urgent chat" in page and "24/7" in page and "Mon 09:00\u201318:00" in page
    grid = client.get(reverse("console:coverage"), {"zone": "Asia/Shanghai"}).content.decode()
    row = re.search(r'<tr data-language="zh-hans">(.*?)</tr>', grid, re.S)
    assert row is not None
    cells = re.findall(r'<td class="(ok|gap)"', row.group(1))
    assert len(cells) == 168
    # Every day in Shanghai: 09-18 covered (9 hours), the other 15 hours red.
    assert cells.count("ok") == 63 and cells.count("gap") == 105


def test_supervisor_edits_policy_minutes_and_adds_a_holiday(desk: Desk) -> None:
    from vigil.sla.models import Calendar, SlaPolicy

    policy = SlaPolicy.objects.get(priority=4, channel="chat")
    calendar = Calendar.objects.get(name="24/7")
    edit = reverse("console:sla_policy_edit", args=[policy.pk])
    values = {"first_response_minutes": "3", "next_response_minutes": "6", "warn_percent": "75"}
    tier2 = _client(desk.agent_a)
    assert tier2.post(edit, values).status_code == 403
    assert 'name="first_response_minutes"' not in tier2.get(reverse("console:sla")).content.decode()
    sup = _client(desk.supervisor)
    assert 'name="first_response_minutes"' in sup.get(reverse("console:sla")).content.decode()
    assert sup.post(edit, values).status_code == 302
    policy.refresh_from_db()
    assert (policy.first_response_minutes, policy.next_response_minutes) == (3, 6)
    assert (policy.resolution_minutes, policy.warn_percent) == (None, 75)
    add = reverse("console:sla_holiday_add", args=[calendar.pk])
    assert sup.post(add, {"date": "2027-02-10", "name": "Lunar New Year"}).status_code == 302
    assert sup.post(add, {"date": "10/02/2027"}).status_code == 422
    assert [str(h.date) for h in calendar.holidays.all()] == ["2027-02-10"]


def test_sla_order_is_served_by_its_index_on_sqlite(desk: Desk) -> None:
    from django.db import connection

    from vigil.tickets.selectors import _sla_page, visible_tickets

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's depends on its statistics")
    captured: list[str] = []

    def capture(run: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append(sql)
        return run(sql, params, many, context)

    with connection.execute_wrapper(capture):
        _sla_page(visible_tickets(desk.supervisor), None, 50)
    first = captured[0]
    assert "ORDER BY" in first and '"sla_due_at"' in first
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + first.replace("%s", "?"), [])
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "tickets_unsolved_sla_idx" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_supervisor_edits_weekly_shifts_and_exceptions(desk: Desk) -> None:
    from tests.factories.accounts import make_agent
    from vigil.accounts.choices import Role
    from vigil.sla.models import ShiftException, ShiftPattern

    Agent.objects.filter(pk=desk.agent_b.pk).update(timezone="Asia/Shanghai")
    make_week(agent=desk.agent_b, start="09:00", end="18:00", days=range(2))
    target = desk.agent_b.pk
    page_url = reverse("console:sla_shifts")
    save = reverse("console:sla_shifts_save", args=[target])
    add = reverse("console:sla_exception_add", args=[target])
    # Row 0 kept and changed, row 1 removed, a blank row skipped, a new night shift added.
    rows = {
        "weekday": ["0", "1", "2", "5"],
        "start": ["08:00", "09:00", "", "22:00"],
        "end": ["16:00", "18:00", "", "06:00"],
        "remove": ["1"],
    }
    off = {
        "kind": "off",
        "starts_at": "2027-01-11T09:00",
        "ends_at": "2027-01-12T18:00",
        "note": "Dentist",
    }
    tier1 = _client(make_agent(role=Role.TIER1))
    page = tier1.get(page_url, {"agent": target}).content.decode()
    assert "Mon" in page and 'name="start"' not in page and 'name="starts_at"' not in page
    assert tier1.post(save, rows).status_code == 403
    assert tier1.post(add, off).status_code == 403
    sup = _client(desk.supervisor)
    page = sup.get(page_url, {"agent": target}).content.decode()
    assert page.count('name="start"') == 4 and 'name="starts_at"' in page
    assert sup.post(save, rows).status_code == 302
    saved = ShiftPattern.objects.filter(agent_id=target).order_by("weekday")
    assert [(p.weekday, str(p.start), str(p.end)) for p in saved] == [
        (0, "08:00:00", "16:00:00"),
        (5, "22:00:00", "06:00:00"),
    ]
    assert (
        sup.post(save, {"weekday": ["0"], "start": ["25:00"], "end": ["26:00"]}).status_code == 422
    )
    assert (
        sup.post(save, {"weekday": ["0"], "start": ["09:00"], "end": ["09:00"]}).status_code == 422
    )
    assert ShiftPattern.objects.filter(agent_id=target).count() == 2
    assert sup.post(add, off).status_code == 302
    made = ShiftException.objects.get(agent_id=target)
    # Entered in the agent's zone (UTC+8): 09:00 Shanghai is 01:00 UTC.
    assert (made.kind, made.starts_at.isoformat(), made.note) == (
        "off",
        "2027-01-11T01:00:00+00:00",
        "Dentist",
    )
    assert sup.post(add, {**off, "ends_at": "2027-01-10T09:00"}).status_code == 422
    assert sup.post(add, {**off, "starts_at": "soon"}).status_code == 422
    remove = reverse("console:sla_exception_remove", args=[target, made.pk])
    assert tier1.post(remove).status_code == 403
    assert sup.post(remove).status_code == 302
    assert not ShiftException.objects.filter(agent_id=target).exists()


def test_supervisor_edits_a_calendars_zone_and_business_hours(desk: Desk) -> None:
    from vigil.sla.models import Calendar

    calendar = Calendar.objects.get(name="24/7")
    edit = reverse("console:sla_calendar_edit", args=[calendar.pk])
    values = {
        "timezone": "Asia/Tokyo",
        "hours_0": "09:00-12:00, 13:00-18:00",
        "hours_4": "10:00-16:00",
    }
    sup = _only_supervisor_edits(desk, edit, values, field="hours_0")
    calendar.refresh_from_db()
    assert (calendar.timezone, calendar.always_open) == ("Asia/Tokyo", False)
    assert calendar.hours == {
        "0": [["09:00", "12:00"], ["13:00", "18:00"]],
        "4": [["10:00", "16:00"]],
    }
    page = sup.get(reverse("console:sla")).content.decode()
    assert 'value="09:00-12:00, 13:00-18:00"' in page
    for bad in ({"timezone": "Mars/Base"}, {"hours_1": "9 to 5"}, {"hours_1": "18:00-09:00"}, {}):
        assert sup.post(edit, {**values, "hours_0": "", "hours_4": "", **bad}).status_code == 422
    assert sup.post(edit, {"timezone": "UTC", "always_open": "on"}).status_code == 302
    calendar.refresh_from_db()
    assert (calendar.timezone, calendar.always_open, calendar.hours) == ("UTC", True, {})


def test_supervisor_edits_a_policys_escalation(desk: Desk) -> None:
    from vigil.sla.models import SlaPolicy

    policy = SlaPolicy.objects.get(priority=4, channel="chat")
    edit = reverse("console:sla_escalation_edit", args=[policy.pk])
    values = {
        "warn_minutes": "2",
        "raise_priority": "on",
        "unassign": "on",
        "escalate_team": str(desk.team_b.pk),
    }
    sup = _only_supervisor_edits(desk, edit, values, field="escalate_team")
    policy.refresh_from_db()
    assert (policy.warn_minutes, policy.escalate_team_id) == (2, desk.team_b.pk)
    assert policy.escalate_raise_priority and policy.escalate_unassign
    assert sup.post(edit, {**values, "warn_minutes": "soon"}).status_code == 422
    assert sup.post(edit, {**values, "escalate_team": "99999"}).status_code == 404
    assert sup.post(edit, {"warn_minutes": ""}).status_code == 302
    policy.refresh_from_db()
    assert (policy.warn_minutes, policy.escalate_team_id, policy.escalate_unassign) == (
        None,
        None,
        False,
    )


def _only_supervisor_edits(desk: Desk, edit: str, values: dict[str, str], *, field: str) -> Client:
    """A tier-1 agent sees no `field` on the SLA page and gets 403 posting `values` to `edit`;
    the supervisor sees it and the post redirects. Returns the supervisor's client."""
    from tests.factories.accounts import make_agent
    from vigil.accounts.choices import Role

    tier1 = _client(make_agent(role=Role.TIER1))
    assert f'name="{field}"' not in tier1.get(reverse("console:sla")).content.decode()
    assert tier1.post(edit, values).status_code == 403
    sup = _client(desk.supervisor)
    assert f'name="{field}"' in sup.get(reverse("console:sla")).content.decode()
    assert sup.post(edit, values).status_code == 302
    return sup
