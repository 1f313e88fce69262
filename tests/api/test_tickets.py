"""REST API: tickets — list, filters, pagination, get, create, update, visibility."""

from __future__ import annotations

import base64
import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import ApiClient, Desk, client_for, ticket_in
from tests.factories.accounts import make_agent
from vigil.customers.models import Customer
from vigil.tickets.choices import ActivityKind, Priority, TicketStatus
from vigil.tickets.models import Message, Ticket, TicketActivity
from vigil.tickets.services import ticket_update

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def ids(body: dict) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_list_shows_only_visible_tickets_most_urgent_first(desk: Desk) -> None:
    normal_a = ticket_in(desk.team_a)
    urgent_a = ticket_in(desk.team_a, priority=Priority.URGENT)
    hidden_b = ticket_in(desk.team_b)
    teamless = ticket_in(None)

    response = desk.api_a.get("/tickets")

    assert response.status == 200
    assert ids(response.body) == [urgent_a.pk, normal_a.pk, teamless.pk]
    assert response.body["next_cursor"] is None
    first = response.body["items"][0]
    assert first["reference"] == f"VG-{urgent_a.pk}"
    assert first["priority"] == "urgent"
    assert first["team"] == {"id": desk.team_a.pk, "name": "Team A"}
    assert first["customer"]["email"] == urgent_a.customer.email
    supervisor = desk.api_sup.get("/tickets")
    assert hidden_b.pk in ids(supervisor.body) and len(supervisor.body["items"]) == 4


def test_agent_of_team_a_gets_404_for_team_b_ticket_everywhere(desk: Desk) -> None:
    theirs = ticket_in(desk.team_b)
    before = Message.objects.count()

    for response in (
        desk.api_a.get(f"/tickets/{theirs.pk}"),
        desk.api_a.patch(f"/tickets/{theirs.pk}", {"status": "open"}),
        desk.api_a.get(f"/tickets/{theirs.pk}/messages"),
        desk.api_a.post(f"/tickets/{theirs.pk}/replies", {"text": "hi"}),
        desk.api_a.post(f"/tickets/{theirs.pk}/notes", {"text": "psst"}),
    ):
        assert response.status == 404, response.body
        assert response.body["code"] == "not_found"

    # A ticket that does not exist answers exactly the same: existence does not leak.
    missing = desk.api_a.get(f"/tickets/{theirs.pk + 1000}")
    assert missing.status == 404 and missing.body["code"] == "not_found"
    assert Message.objects.count() == before
    assert Ticket.objects.get(pk=theirs.pk).status == TicketStatus.NEW
    assert desk.api_b.get(f"/tickets/{theirs.pk}").status == 200
    assert desk.api_sup.get(f"/tickets/{theirs.pk}").status == 200


def test_status_filter_is_repeatable_or_comma_separated(desk: Desk) -> None:
    new = ticket_in(desk.team_a)
    pending = ticket_update(ticket=ticket_in(desk.team_a), actor=None, status="pending")
    solved = ticket_update(ticket=ticket_in(desk.team_a), actor=None, status="solved")

    assert set(ids(desk.api_a.get("/tickets").body)) == {new.pk, pending.pk}
    assert ids(desk.api_a.get("/tickets", {"status": "solved"}).body) == [solved.pk]
    both = desk.api_a.get("/tickets", {"status": ["new", "solved"]})
    comma = desk.api_a.get("/tickets", {"status": "new,solved"})
    assert set(ids(both.body)) == set(ids(comma.body)) == {new.pk, solved.pk}
    everything = desk.api_a.get("/tickets", {"status": "all"})
    assert set(ids(everything.body)) == {new.pk, pending.pk, solved.pk}


def test_filters_by_team_assignee_language_channel_priority_customer_tag_and_q(
    desk: Desk,
) -> None:
    mine = ticket_in(desk.team_a, language="ja", subject="Margin call on BTC-PERP")
    ticket_update(ticket=mine, actor=None, assignee=desk.agent_a, tags=["Liquidation"])
    high = ticket_in(desk.team_a, priority=Priority.HIGH, sender_address="whale@example.com")
    teamless = ticket_in(None)
    api = desk.api_a

    def found(**params: object) -> set[int]:
        response = api.get("/tickets", params)
        assert response.status == 200, response.body
        return set(ids(response.body))

    assert found(team=desk.team_a.pk) == {mine.pk, high.pk}
    assert found(team="none") == {teamless.pk}
    assert found(assignee="me") == {mine.pk}
    assert found(assignee=desk.agent_a.pk) == {mine.pk}
    assert found(assignee="none") == {high.pk, teamless.pk}
    assert found(language="ja") == {mine.pk}
    assert found(channel="api") == {mine.pk, high.pk, teamless.pk}
    assert found(channel="email") == set()
    assert found(priority="high") == {high.pk}
    assert found(customer=high.customer_id) == {high.pk}
    assert found(tag="liquidation") == {mine.pk}
    assert found(q="margin call") == {mine.pk}
    assert found(q=f"VG-{teamless.pk}") == {teamless.pk}
    assert found(q="whale@example.com") == {high.pk}


def test_cursor_pagination_walks_every_ticket_once(desk: Desk) -> None:
    made = {ticket_in(desk.team_a, priority=Priority.values[n % 4]).pk for n in range(12)}
    seen: list[int] = []
    cursor = None
    for _ in range(10):  # bounded: 12 tickets in pages of 5 is 3 pages
        params: dict[str, object] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        body = desk.api_a.get("/tickets", params).body
        seen += ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 12
    assert set(seen) == made
    order = [(-t.priority, t.waiting_since, t.pk) for t in Ticket.objects.filter(pk__in=seen)]
    assert [key[2] for key in sorted(order)] == seen


def test_list_query_count_does_not_grow_with_the_page(desk: Desk) -> None:
    for n in range(30):
        ticket = ticket_in(desk.team_a if n % 2 else None)
        ticket_update(ticket=ticket, actor=None, assignee=desk.agent_a, tags=[f"t{n}", "x"])
    desk.api_a.get("/tickets", {"limit": 1})  # token "last used" is written once a minute

    with CaptureQueriesContext(connection) as small:
        assert len(desk.api_a.get("/tickets", {"limit": 2}).body["items"]) == 2
    with CaptureQueriesContext(connection) as large:
        assert len(desk.api_a.get("/tickets", {"limit": 30}).body["items"]) == 30
    assert len(small) == len(large) <= 5, [q["sql"] for q in large.captured_queries]


def test_create_ticket_then_same_idempotency_key_returns_the_same_ticket(desk: Desk) -> None:
    body = {
        "customer": {"email": "Trader@Example.com", "name": "Trader", "uid": "UID-9"},
        "subject": "Deposit not credited",
        "text": "TXID 0xabc, 2 hours ago",
        "category": "deposit",
        "priority": "high",
    }
    first = desk.api_a.post("/tickets", body, headers={"Idempotency-Key": "req-1"})
    again = desk.api_a.post("/tickets", body, headers={"Idempotency-Key": "req-1"})

    assert first.status == 201, first.body
    assert again.status == 200
    assert again.body["id"] == first.body["id"]
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1
    ticket = Ticket.objects.get(pk=first.body["id"])
    assert (ticket.subject, ticket.category, ticket.priority) == (
        "Deposit not credited",
        "deposit",
        Priority.HIGH,
    )
    assert ticket.channel == "api"
    assert ticket.customer.email == "trader@example.com" and ticket.customer.uid == "UID-9"
    message = ticket.messages.get()
    assert message.external_id == "req-1"
    assert message.metadata["api_agent_id"] == desk.agent_a.pk


def test_external_id_in_body_is_idempotent_too_and_must_match_the_header(desk: Desk) -> None:
    body = {"customer": {"email": "c@example.com"}, "text": "hello", "external_id": "x-1"}
    assert desk.api_a.post("/tickets", body).status == 201
    assert desk.api_a.post("/tickets", body).status == 200
    clash = desk.api_a.post("/tickets", body, headers={"Idempotency-Key": "x-2"})
    assert clash.status == 422 and "differ" in clash.body["message"]
    assert Ticket.objects.count() == 1


def test_idempotency_key_of_an_invisible_ticket_is_a_conflict_not_a_leak(desk: Desk) -> None:
    body = {"customer": {"email": "c@example.com"}, "text": "hello"}
    created = desk.api_a.post("/tickets", body, headers={"Idempotency-Key": "shared"})
    ticket_update(ticket=Ticket.objects.get(pk=created.body["id"]), actor=None, team=desk.team_a)
    other = desk.api_b.post("/tickets", body, headers={"Idempotency-Key": "shared"})
    assert other.status == 409 and other.body["code"] == "duplicate"
    assert "id" not in other.body and Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_with_one_idempotency_key_make_one_ticket(desk: Desk) -> None:
    token = desk.api_a.token
    body = {"customer": {"email": "burst@example.com"}, "text": "are you there?"}
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def post() -> None:
        try:
            barrier.wait(timeout=10)
            response = ApiClient(token).post("/tickets", body, headers={"Idempotency-Key": "burst"})
            statuses.append(response.status)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] * 5 + [201]
    assert Ticket.objects.count() == 1 and Message.objects.count() == 1


def test_create_from_any_channel_identity_links_by_uid(desk: Desk) -> None:
    by_mail = desk.api_a.post(
        "/tickets", {"customer": {"email": "k@example.com", "uid": "U-1"}, "text": "one"}
    )
    by_telegram = desk.api_a.post(
        "/tickets",
        {
            "customer": {
                "kind": "telegram",
                "address": "5550001",
                "uid": "U-1",
                "language": "zh-CN",
            },
            "text": "two",
        },
    )
    assert by_mail.status == by_telegram.status == 201
    assert by_mail.body["customer"]["id"] == by_telegram.body["customer"]["id"]
    assert Customer.objects.count() == 1
    assert by_telegram.body["language"] == "zh-hans"  # the message's language, normalized


@pytest.mark.parametrize(
    "customer",
    [
        {},
        {"kind": "telegram"},
        {"address": "x"},
        {"email": "a@b.co", "kind": "chat", "address": "v1"},
    ],
)
def test_create_needs_exactly_one_identity(desk: Desk, customer: dict) -> None:
    response = desk.api_a.post("/tickets", {"customer": customer, "text": "hi"})
    assert response.status == 422
    assert "customer." in response.body["message"]
    assert Ticket.objects.count() == 0


def test_create_with_a_base64_attachment(desk: Desk) -> None:
    response = desk.api_a.post(
        "/tickets",
        {
            "customer": {"email": "s@example.com"},
            "subject": "Screenshot",
            "attachments": [
                {"filename": "shot.png", "content_base64": base64.b64encode(PNG).decode()}
            ],
        },
    )
    assert response.status == 201, response.body
    message = Message.objects.get(ticket_id=response.body["id"])
    attachment = message.attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "shot.png",
        "image/png",
        len(PNG),
    )


def test_get_ticket(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a, subject="Withdrawal stuck")
    response = desk.api_a.get(f"/tickets/{ticket.pk}")
    assert response.status == 200
    assert response.body["subject"] == "Withdrawal stuck"
    assert response.body["status"] == "new"
    assert response.body["tags"] == []


def test_patch_changes_fields_and_logs_activities(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    response = desk.api_a.patch(
        f"/tickets/{ticket.pk}",
        {
            "status": "open",
            "priority": "urgent",
            "category": "withdrawal",
            "language": "zh",
            "subject": "  Withdrawal   stuck ",
            "assignee": desk.agent_a.pk,
            "team": desk.team_a.pk,
            "tags": ["VIP", "chain halt", "vip"],
        },
    )
    assert response.status == 200, response.body
    body = response.body
    assert (body["status"], body["priority"], body["category"], body["language"]) == (
        "open",
        "urgent",
        "withdrawal",
        "zh-hans",
    )
    assert body["subject"] == "Withdrawal stuck"
    assert body["assignee"] == {"id": desk.agent_a.pk, "display_name": "Alice"}
    assert sorted(body["tags"]) == ["chain-halt", "vip"]
    kinds = set(TicketActivity.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert {
        ActivityKind.STATUS,
        ActivityKind.PRIORITY,
        ActivityKind.ASSIGNEE,
        ActivityKind.TAGS,
        ActivityKind.LANGUAGE,
        ActivityKind.SUBJECT,
    } <= kinds

    untouched = desk.api_a.patch(f"/tickets/{ticket.pk}", {"priority": "low"})
    assert untouched.body["assignee"] is not None  # absent = unchanged
    cleared = desk.api_a.patch(f"/tickets/{ticket.pk}", {"assignee": None, "tags": []})
    assert cleared.body["assignee"] is None and cleared.body["tags"] == []
    ticket.refresh_from_db()
    assert ticket.assignee_id is None and ticket.priority == Priority.LOW


def test_patch_with_a_forbidden_transition_is_a_409(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    response = desk.api_a.patch(f"/tickets/{ticket.pk}", {"status": "closed"})
    assert response.status == 409
    assert response.body == {
        "code": "invalid_transition",
        "message": "a new ticket cannot become closed",
    }
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


def test_patch_with_unknown_agent_or_team_is_a_422(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    assert desk.api_a.patch(f"/tickets/{ticket.pk}", {"assignee": 999999}).status == 422
    assert desk.api_a.patch(f"/tickets/{ticket.pk}", {"team": 999999}).status == 422
    assert Ticket.objects.get(pk=ticket.pk).team_id == desk.team_a.pk


def test_moving_a_ticket_to_another_team_hides_it_from_the_mover(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    moved = desk.api_a.patch(f"/tickets/{ticket.pk}", {"team": desk.team_b.pk})
    assert moved.status == 200 and moved.body["team"]["id"] == desk.team_b.pk
    assert desk.api_a.get(f"/tickets/{ticket.pk}").status == 404


def test_any_agent_token_works_for_another_agent(desk: Desk) -> None:
    tier1 = make_agent(teams=(desk.team_a,), role="tier1")
    assert client_for(tier1).get("/tickets").status == 200
