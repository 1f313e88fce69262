"""The approvals, audit and permissions API: who may do what, and the 4xx answers."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import client_for
from tests.approvals.conftest import People
from tests.factories.approvals import make_request, ticket_with_uid
from vigil.approvals.exchange_sim import ExchangeSim
from vigil.approvals.models import ActionRequest
from vigil.audit.chain import chain_verify
from vigil.audit.models import AuditEntry


@pytest.mark.django_db
def test_request_then_approve_over_the_api(people: People, exchange: ExchangeSim) -> None:
    ticket = ticket_with_uid("U-42")
    tier1, tier2 = client_for(people.tier1), client_for(people.tier2)
    created = tier1.post(
        "/actions",
        {
            "ticket_id": ticket.pk,
            "kind": "release_withdrawal",
            "params": {"withdrawal_id": "WD-991"},
            "reason": "Customer confirmed the withdrawal by phone",
        },
    )
    assert created.status == 201, created.body
    body = created.body
    assert (body["status"], body["uid"], body["ticket_id"]) == ("pending", "U-42", ticket.pk)
    assert body["approve_permission"] == "action.approve.release_withdrawal"

    assert client_for(people.tier2).post(f"/actions/{body['id']}/approve", {}).status == 403
    done = client_for(people.tier3).post(f"/actions/{body['id']}/approve", {"comment": "ok"})
    assert done.status == 200 and done.body["status"] == "done"
    assert done.body["decided_by"]["id"] == people.tier3.pk
    again = tier2.post(f"/actions/{body['id']}/approve", {})
    assert again.status in (403, 409)
    assert len(exchange.state.executed) == 1

    queue = client_for(people.tier3).get("/actions", params={"status": "done"})
    assert [a["id"] for a in queue.body["items"]] == [body["id"]]


@pytest.mark.django_db
def test_tier1_cannot_approve_or_refuse_over_the_api(people: People, exchange: ExchangeSim) -> None:
    request = make_request(agent=people.tier2)
    tier1 = client_for(people.tier1)
    approve = tier1.post(f"/actions/{request.pk}/approve", {})
    refuse = tier1.post(f"/actions/{request.pk}/refuse", {"comment": "no"})
    assert (approve.status, refuse.status) == (403, 403)
    assert approve.body["code"] == "forbidden"
    request.refresh_from_db()
    assert request.status == "pending" and exchange.state.requests == 0


@pytest.mark.django_db
def test_the_requester_cannot_approve_over_the_api_even_as_admin(
    people: People, exchange: ExchangeSim
) -> None:
    request = make_request(agent=people.admin)
    answer = client_for(people.admin).post(f"/actions/{request.pk}/approve", {})
    assert answer.status == 403 and "own request" in answer.body["message"]


@pytest.mark.django_db
def test_bad_requests_are_4xx(people: People) -> None:
    tier1 = client_for(people.tier1)
    ticket = ticket_with_uid()
    bad_amount = tier1.post(
        "/actions",
        {
            "ticket_id": ticket.pk,
            "kind": "balance_adjust",
            "params": {"asset": "BTC", "amount": "-1", "sign": "credit"},
            "reason": "compensation for the outage",
        },
    )
    assert bad_amount.status == 422 and "amount" in bad_amount.body["message"]
    bad_kind = tier1.post(
        "/actions", {"ticket_id": ticket.pk, "kind": "nuke", "reason": "because I can"}
    )
    assert bad_kind.status == 422
    unknown = tier1.post(
        "/actions", {"ticket_id": 999999, "kind": "reset_2fa", "reason": "lost the phone"}
    )
    assert unknown.status == 404
    assert tier1.get("/actions/999999").status == 404
    assert client_for(people.tier2).post("/actions/999999/refuse", {"comment": "x"}).status == 404
    assert not ActionRequest.objects.exists()


@pytest.mark.django_db
def test_audit_search_and_verify_permissions(people: People, exchange: ExchangeSim) -> None:
    first = make_request(agent=people.tier1)
    second = make_request(agent=people.tier1, kind="reset_2fa")
    assert client_for(people.tier1).get("/audit").status == 403
    sup = client_for(people.supervisor)
    page = sup.get("/audit", params={"limit": 1})
    assert page.status == 200 and len(page.body["items"]) == 1
    assert page.body["items"][0]["object_id"] == str(second.pk)
    rest = sup.get("/audit", params={"limit": 1, "cursor": page.body["next_cursor"]})
    assert rest.body["items"][0]["object_id"] == str(first.pk)
    assert rest.body["next_cursor"] is None
    by_object = sup.get("/audit", params={"object_type": "action_request", "object_id": first.pk})
    assert [e["action"] for e in by_object.body["items"]] == ["action.requested"]
    by_actor = sup.get("/audit", params={"actor": "Tia", "text": "reset_2fa"})
    assert [e["object_id"] for e in by_actor.body["items"]] == [str(second.pk)]
    assert sup.get("/audit", params={"actor": "nobody"}).body["items"] == []
    assert sup.get("/audit/verify").status == 403
    verified = client_for(people.admin).get("/audit/verify")
    assert verified.body == {"ok": True, "checked": 2, "bad_seq": None, "reason": ""}


@pytest.mark.django_db
def test_permission_matrix_endpoint(people: People) -> None:
    rows = client_for(people.tier1).get("/permissions").body
    by_name = {r["name"]: r["roles"] for r in rows}
    assert by_name["action.approve.balance_adjust"]["tier2"] is False
    assert by_name["action.approve.balance_adjust"]["supervisor"] is True
    assert by_name["audit.read"]["tier1"] is False


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_execute_once(people: People, exchange: ExchangeSim) -> None:
    exchange.state.slow_next = [0.3]  # keep the first execution in flight a moment
    request = make_request(agent=people.tier1, kind="reset_2fa")
    answers: list[int] = []

    def approve(agent_client: object) -> None:
        try:
            answers.append(agent_client.post(f"/actions/{request.pk}/approve", {}).status)  # type: ignore[attr-defined]
        finally:
            close_old_connections()

    clients = [client_for(people.tier2), client_for(people.tier3)]
    threads = [threading.Thread(target=approve, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers) == [200, 409]
    assert len(exchange.state.executed) == 1
    request.refresh_from_db()
    assert request.status == "done" and request.attempts == 1
    steps = AuditEntry.objects.filter(object_id=str(request.pk)).values_list("action", flat=True)
    assert sorted(steps) == ["action.approved", "action.executed", "action.requested"]
    assert chain_verify().ok


@pytest.mark.django_db
def test_list_queries_do_not_grow_with_rows(people: People) -> None:
    api = client_for(people.tier2)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            answer = api.get("/actions")
        assert answer.status == 200
        return len(ctx.captured_queries)

    make_request(agent=people.tier1)
    api.get("/actions")  # the token's first use is written down once
    few = count_queries()
    for _ in range(5):
        make_request(agent=people.tier3, kind="reset_2fa")
    assert len(api.get("/actions").body["items"]) == 6
    assert count_queries() == few
    sup = client_for(people.supervisor)
    with CaptureQueriesContext(connection) as ctx:
        assert len(sup.get("/audit", params={"limit": 200}).body["items"]) == 6
    assert len(ctx.captured_queries) <= 4
