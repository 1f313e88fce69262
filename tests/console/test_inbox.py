"""The inbox: filters, order, pages, counts, permissions, and a constant query count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.console.conftest import Desk, login, ticket_in
from tests.factories.tickets import ingest
from vigil.channels.choices import ChannelKind
from vigil.channels.services import channel_account_get_or_create_default
from vigil.customers.choices import IdentityKind
from vigil.tickets.choices import Priority, TicketStatus
from vigil.tickets.models import Ticket
from vigil.tickets.services import ticket_update

pytestmark = pytest.mark.django_db

ROW = re.compile(r'data-ticket-id="(\d+)"')


def ids(response: object) -> list[int]:
    assert response.status_code == 200, response.content[:500]  # type: ignore[attr-defined]
    return [int(m) for m in ROW.findall(response.content.decode())]  # type: ignore[attr-defined]


def get(client: Client, **params: str) -> list[int]:
    return ids(client.get(reverse("console:inbox"), params))


def test_inbox_shows_the_agents_tickets_with_their_details(desk: Desk, client_ann: Client) -> None:
    ticket_update(
        ticket=desk.en_ticket,
        actor=None,
        tags=["vip-escalation"],
        assignee=desk.colleague,
        priority=Priority.HIGH,
    )
    response = client_ann.get(reverse("console:inbox"))
    body = response.content.decode()
    assert ids(response) == [desk.en_ticket.pk]  # the Chinese team's ticket is not shown
    for text in (
        desk.en_ticket.reference,
        "Withdrawal stuck",
        "English support",
        "Bo",
        "vip-escalation",
        "High",
        "English",
        "API",
        str(desk.en_ticket.customer),
    ):
        assert text in body, text
    assert "提现" not in body


def test_supervisor_sees_both_teams(desk: Desk) -> None:
    assert set(get(login(desk.supervisor))) == {desk.en_ticket.pk, desk.zh_ticket.pk}


def test_sorted_by_priority_then_longest_waiting(desk: Desk, client_ann: Client) -> None:
    now = timezone.now()
    old_low = ticket_in(desk.en, priority=Priority.LOW, received_at=now - timedelta(hours=9))
    urgent = ticket_in(desk.en, priority=Priority.URGENT, received_at=now - timedelta(minutes=1))
    older_normal = ticket_in(desk.en, received_at=now - timedelta(hours=3))
    assert get(client_ann) == [urgent.pk, older_normal.pk, desk.en_ticket.pk, old_low.pk]


def test_status_filter_and_counts(desk: Desk, client_ann: Client) -> None:
    pending = ticket_in(desk.en)
    ticket_update(ticket=pending, actor=None, status=TicketStatus.PENDING)
    solved = ticket_in(desk.en)
    ticket_update(ticket=solved, actor=None, status=TicketStatus.SOLVED)
    assert set(get(client_ann)) == {desk.en_ticket.pk, pending.pk}
    assert get(client_ann, status="pending") == [pending.pk]
    assert get(client_ann, status="solved") == [solved.pk]
    assert set(get(client_ann, status="all")) == {desk.en_ticket.pk, pending.pk, solved.pk}
    body = client_ann.get(reverse("console:inbox")).content.decode()
    counts = dict(
        re.findall(r'data-status="(\w+)">.*?<span class="count">(\d+)</span>', body, re.S)
    )
    assert counts == {"new": "1", "open": "0", "pending": "1", "on_hold": "0"}


def test_assignee_filter_me_unassigned_and_agent(desk: Desk, client_ann: Client) -> None:
    mine = ticket_in(desk.en)
    ticket_update(ticket=mine, actor=None, assignee=desk.agent)
    bos = ticket_in(desk.en)
    ticket_update(ticket=bos, actor=None, assignee=desk.colleague)
    assert get(client_ann, assignee="me") == [mine.pk]
    assert get(client_ann, assignee="none") == [desk.en_ticket.pk]
    assert get(client_ann, assignee=str(desk.colleague.pk)) == [bos.pk]


def test_team_language_channel_priority_filters(desk: Desk) -> None:
    client = login(desk.supervisor)
    telegram = channel_account_get_or_create_default(kind=ChannelKind.TELEGRAM)
    by_telegram = ticket_in(
        None,
        account=telegram,
        sender_kind=IdentityKind.TELEGRAM,
        sender_address="777001",
        language="ja",
        priority=Priority.URGENT,
    )
    assert get(client, team=str(desk.zh.pk)) == [desk.zh_ticket.pk]
    assert get(client, team="none") == [by_telegram.pk]
    assert get(client, language="zh-hans") == [desk.zh_ticket.pk]
    assert get(client, language="ja") == [by_telegram.pk]
    assert get(client, channel="telegram") == [by_telegram.pk]
    assert get(client, priority=str(Priority.URGENT)) == [by_telegram.pk]
    assert get(client, priority=str(Priority.URGENT), channel="api") == []


def test_search_by_reference_subject_and_email(desk: Desk, client_ann: Client) -> None:
    other = ticket_in(desk.en, subject="2FA reset request", sender_address="zed@example.com")
    assert get(client_ann, q=desk.en_ticket.reference) == [desk.en_ticket.pk]
    assert get(client_ann, q="2fa reset") == [other.pk]
    assert get(client_ann, q="zed@example.com") == [other.pk]
    assert get(client_ann, q="no such thing") == []


def test_bad_filter_values_are_a_4xx_not_a_500(desk: Desk, client_ann: Client) -> None:
    for params in (
        {"status": "bogus"},
        {"assignee": "someone"},
        {"priority": "9"},
        {"cursor": "not-a-cursor"},
    ):
        response = client_ann.get(reverse("console:inbox"), params)
        assert response.status_code in (400, 422), params
        assert 'role="alert"' in response.content.decode()


def test_htmx_gets_the_results_fragment_with_counts_out_of_band(
    desk: Desk, client_ann: Client
) -> None:
    response = client_ann.get(reverse("console:inbox"), {"status": "new"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="inbox-results"')
    assert 'id="status-counts" class="views" hx-swap-oob="true"' in body
    assert "<html" not in body
    assert response["Vary"].lower().find("hx-request") >= 0


def test_load_more_walks_the_keyset_pages(desk: Desk, client_ann: Client) -> None:
    created = [ticket_in(desk.en).pk for _ in range(55)]
    first = client_ann.get(reverse("console:inbox"))
    page1 = ids(first)
    assert len(page1) == 50
    more = re.search(r'hx-get="([^"]*cursor=[^"]+)"', first.content.decode())
    assert more is not None
    url = more.group(1).replace("&amp;", "&")
    second = client_ann.get(url, HTTP_HX_REQUEST="true")
    page2 = ids(second)
    assert "<table" not in second.content.decode()
    assert 'id="load-more"' not in second.content.decode()
    assert sorted(page1 + page2) == sorted([*created, desk.en_ticket.pk])


def test_load_more_keeps_the_filters(desk: Desk, client_ann: Client) -> None:
    for _ in range(51):
        ticket_in(desk.en, priority=Priority.HIGH)
    first = client_ann.get(reverse("console:inbox"), {"priority": str(Priority.HIGH)})
    url = re.search(r'hx-get="([^"]*cursor=[^"]+)"', first.content.decode())
    assert url is not None and "priority=3" in url.group(1)
    second = ids(client_ann.get(url.group(1).replace("&amp;", "&"), HTTP_HX_REQUEST="true"))
    assert len(second) == 1 and desk.en_ticket.pk not in second


def _inbox_queries(client: Client, **params: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("console:inbox"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"assignee": "none"}, {"q": "withdrawal"}])
def test_query_count_does_not_grow_with_the_page(
    desk: Desk, client_ann: Client, params: dict[str, str]
) -> None:
    few = _inbox_queries(client_ann, **params)
    for n in range(30):
        ticket = ticket_in(desk.en if n % 2 else None, subject=f"Withdrawal {n}")
        ticket_update(ticket=ticket, actor=None, tags=[f"t{n}", "bulk"])
    assert Ticket.objects.count() > 30
    assert _inbox_queries(client_ann, **params) == few


def test_a_new_inbound_message_shows_on_the_next_fetch(desk: Desk, client_ann: Client) -> None:
    before = get(client_ann)
    result = ingest(subject="Deposit missing")
    after = get(client_ann)
    assert result.ticket.pk not in before and result.ticket.pk in after
