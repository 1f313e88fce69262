"""REST API: customers — search, pagination, detail with visible tickets, update."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import Desk, ticket_in
from tests.factories.tickets import ingest
from vigil.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_search_by_email_uid_name_and_identity(desk: Desk) -> None:
    alice = ingest(
        sender_address="alice@example.com", sender_name="Alice Wong", customer_uid="UID-1"
    ).ticket.customer
    ingest(sender_kind="telegram", sender_address="777", customer_uid="UID-1")
    bob = ingest(sender_address="bob@example.com", sender_name="Bob").ticket.customer

    def found(q: str) -> list[int]:
        response = desk.api_a.get("/customers", {"q": q})
        assert response.status == 200, response.body
        return [c["id"] for c in response.body["items"]]

    assert found("alice@example.com") == [alice.pk]
    assert found("UID-1") == [alice.pk]
    assert found("wong") == [alice.pk]
    assert found("777") == [alice.pk]
    assert found("") == [bob.pk, alice.pk]  # newest first
    body = desk.api_a.get("/customers", {"q": "UID-1"}).body["items"][0]
    assert {(i["kind"], i["address"]) for i in body["identities"]} == {
        ("email", "alice@example.com"),
        ("telegram", "777"),
    }


def test_pagination_and_constant_query_count(desk: Desk) -> None:
    made = [ingest(sender_address=f"c{n}@example.com").ticket.customer_id for n in range(13)]
    seen: list[int] = []
    cursor = None
    for _ in range(10):  # bounded: 13 customers in pages of 5 is 3 pages
        params: dict[str, object] = {"limit": 5}
        if cursor:
            params["cursor"] = cursor
        body = desk.api_a.get("/customers", params).body
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made, reverse=True)

    with CaptureQueriesContext(connection) as small:
        desk.api_a.get("/customers", {"limit": 1})
    with CaptureQueriesContext(connection) as large:
        desk.api_a.get("/customers", {"limit": 13})
    assert len(small) == len(large) <= 4, [q["sql"] for q in large.captured_queries]


def test_detail_lists_only_tickets_the_caller_may_see(desk: Desk) -> None:
    visible = ticket_in(desk.team_a, sender_address="same@example.com")
    hidden = ticket_in(desk.team_b, sender_address="same@example.com")
    customer_id = visible.customer_id
    assert hidden.customer_id == customer_id

    response = desk.api_a.get(f"/customers/{customer_id}")
    assert response.status == 200
    assert [t["id"] for t in response.body["recent_tickets"]] == [visible.pk]
    assert response.body["identities"][0]["address"] == "same@example.com"
    supervisor = desk.api_sup.get(f"/customers/{customer_id}").body
    assert [t["id"] for t in supervisor["recent_tickets"]] == [hidden.pk, visible.pk]
    assert desk.api_a.get("/customers/999999").status == 404


def test_patch_customer(desk: Desk) -> None:
    customer = ingest(sender_address="v@example.com").ticket.customer
    response = desk.api_a.patch(
        f"/customers/{customer.pk}",
        {
            "name": "Vera",
            "uid": "UID-77",
            "preferred_language": "ja-JP",
            "vip_tier": 3,
            "notes": "Market maker",
        },
    )
    assert response.status == 200, response.body
    customer.refresh_from_db()
    assert (
        customer.name,
        customer.uid,
        customer.preferred_language,
        customer.vip_tier,
        customer.notes,
    ) == ("Vera", "UID-77", "ja", 3, "Market maker")
    assert response.body["vip_tier"] == 3

    unchanged = desk.api_a.patch(f"/customers/{customer.pk}", {"notes": "MM desk"})
    assert unchanged.body["name"] == "Vera" and unchanged.body["uid"] == "UID-77"


def test_patch_customer_errors(desk: Desk) -> None:
    first = ingest(customer_uid="TAKEN").ticket.customer
    second = ingest().ticket.customer
    taken = desk.api_a.patch(f"/customers/{second.pk}", {"uid": "TAKEN"})
    assert taken.status == 409 and "another customer" in taken.body["message"]
    assert desk.api_a.patch(f"/customers/{second.pk}", {"vip_tier": 9}).status == 422
    assert desk.api_a.patch(f"/customers/{second.pk}", {"uid": "x" * 65}).status == 422
    bad_language = desk.api_a.patch(f"/customers/{second.pk}", {"preferred_language": "??"})
    assert bad_language.status == 422 and "language code" in bad_language.body["message"]
    assert desk.api_a.patch("/customers/999999", {"name": "x"}).status == 404
    assert Customer.objects.get(pk=first.pk).uid == "TAKEN"
