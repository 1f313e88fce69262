"""The console: approvals queue, buttons only for those who may press them, 403 otherwise;
the request form on a ticket; the audit log and permission pages."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.approvals.conftest import People
from tests.factories.accounts import PASSWORD
from tests.factories.approvals import make_request, ticket_with_uid
from vigil.accounts.models import Agent
from vigil.approvals.exchange_sim import ExchangeSim
from vigil.approvals.models import ActionRequest

pytestmark = pytest.mark.django_db


def login(agent: Agent) -> Client:
    client = Client()
    assert client.login(username=agent.user.get_username(), password=PASSWORD)
    return client


def test_tier1_sees_no_approve_button_and_gets_403(people: People, exchange: ExchangeSim) -> None:
    request = make_request(agent=people.tier2)
    tier1 = login(people.tier1)
    page = tier1.get("/approvals/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-action-id="{request.pk}"' in html
    assert 'data-action="approve"' not in html and 'data-action="refuse"' not in html
    assert tier1.post(f"/approvals/{request.pk}/approve/").status_code == 403
    assert tier1.post(f"/approvals/{request.pk}/refuse/", {"comment": "no"}).status_code == 403
    request.refresh_from_db()
    assert request.status == "pending" and exchange.state.requests == 0

    tier3 = login(people.tier3)
    assert 'data-action="approve"' in tier3.get("/approvals/").content.decode()
    answer = tier3.post(f"/approvals/{request.pk}/approve/", {"comment": "verified"})
    assert answer.status_code == 302
    request.refresh_from_db()
    assert request.status == "done" and len(exchange.state.executed) == 1


def test_the_requester_sees_no_button_and_cannot_approve_even_as_admin(
    people: People, exchange: ExchangeSim
) -> None:
    request = make_request(agent=people.admin)
    admin = login(people.admin)
    html = admin.get("/approvals/").content.decode()
    assert f'data-action-id="{request.pk}"' in html and 'data-action="approve"' not in html
    assert admin.post(f"/approvals/{request.pk}/approve/").status_code == 403
    fragment = login(people.admin2).post(
        f"/approvals/{request.pk}/approve/", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200 and 'id="approvals-queue"' in fragment.content.decode()


def test_tier2_cannot_approve_a_balance_adjustment_in_the_console(
    people: People, exchange: ExchangeSim
) -> None:
    request = make_request(
        agent=people.tier1,
        kind="balance_adjust",
        params={"asset": "ETH", "amount": "2", "sign": "credit"},
    )
    tier2 = login(people.tier2)
    assert 'data-action="approve"' not in tier2.get("/approvals/").content.decode()
    assert tier2.post(f"/approvals/{request.pk}/approve/").status_code == 403


def test_request_from_the_ticket_page(people: People, exchange: ExchangeSim) -> None:
    ticket = ticket_with_uid("U-555")
    tier1 = login(people.tier1)
    assert 'id="ticket-actions"' in tier1.get(f"/tickets/{ticket.pk}/").content.decode()
    bad = tier1.post(
        f"/tickets/{ticket.pk}/actions/request/",
        {
            "kind": "whitelist_address",
            "asset": "ETH",
            "chain": "ethereum",
            "address": "nope",
            "reason": "new hardware wallet",
        },
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "address" in bad.content.decode()
    ok = tier1.post(
        f"/tickets/{ticket.pk}/actions/request/",
        {
            "kind": "whitelist_address",
            "asset": "ETH",
            "chain": "ethereum",
            "address": "0x" + "ab" * 20,
            "reason": "new hardware wallet",
        },
        headers={"HX-Request": "true"},
    )
    assert ok.status_code == 200
    request = ActionRequest.objects.get()
    assert (request.uid, request.requested_by_id, request.status) == (
        "U-555",
        people.tier1.pk,
        "pending",
    )
    assert request.params["address"] == "0x" + "ab" * 20
    panel = tier1.get(f"/tickets/{ticket.pk}/actions/").content.decode()
    assert f'data-action-id="{request.pk}"' in panel
    activity = tier1.get(f"/tickets/{ticket.pk}/part/activity/").content.decode()
    assert "Whitelist a withdrawal address: requested" in activity


def test_audit_page_is_for_supervisors_and_matrix_for_everyone(
    people: People, exchange: ExchangeSim
) -> None:
    request = make_request(agent=people.tier1, kind="reset_2fa")
    assert login(people.tier1).get("/audit/").status_code == 403
    sup = login(people.supervisor)
    page = sup.get("/audit/", {"text": "reset_2fa"}).content.decode()
    assert "action.requested" in page and f"action_request {request.pk}" in page
    assert "action.requested" not in sup.get("/audit/", {"actor": "nobody"}).content.decode()
    assert 'href="/audit/"' in sup.get("/approvals/").content.decode()
    tier1_nav = login(people.tier1).get("/approvals/").content.decode()
    assert 'href="/audit/"' not in tier1_nav
    matrix = login(people.tier1).get("/permissions/").content.decode()
    assert 'data-permission="action.approve.balance_adjust"' in matrix


def test_a_refused_htmx_decision_keeps_the_queue_and_shows_why(
    people: People, exchange: ExchangeSim
) -> None:
    request = make_request(agent=people.tier3)
    answer = login(people.tier3).post(
        f"/approvals/{request.pk}/approve/", headers={"HX-Request": "true"}
    )
    html = answer.content.decode()
    assert answer.status_code == 403
    assert 'id="approvals-queue"' in html and "own request" in html
    missing_comment = login(people.tier2).post(
        f"/approvals/{request.pk}/refuse/", headers={"HX-Request": "true"}
    )
    assert missing_comment.status_code == 422 and "comment" in missing_comment.content.decode()


def test_the_approvals_queue_speaks_japanese(people: People) -> None:
    make_request(agent=people.tier1)
    client = login(people.tier2)
    html = client.get("/approvals/", headers={"Accept-Language": "ja"}).content.decode()
    assert "承認待ち" in html and "アカウントのロック解除" in html and "承認する" in html
