"""Four eyes on sensitive actions: who may approve, execution on a loopback exchange, the
audit trail of every step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.approvals.conftest import People
from tests.factories.approvals import make_request, ticket_with_uid
from vigil.approvals.choices import ActionStatus
from vigil.approvals.exchange_sim import ExchangeSim
from vigil.approvals.models import ActionRequest
from vigil.approvals.services import action_decide, action_retry, actions_expire
from vigil.audit.chain import chain_verify
from vigil.audit.models import AuditEntry
from vigil.core.errors import Conflict, PermissionDenied, ValidationFailed
from vigil.tickets.models import TicketActivity

pytestmark = pytest.mark.django_db

BTC_ADDRESS = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"


def _steps(request: ActionRequest) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="action_request", object_id=str(request.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_unlock_requested_by_tier1_approved_by_tier2_runs_once_on_the_exchange(
    people: People, exchange: ExchangeSim
) -> None:
    ticket = ticket_with_uid("U-7001")
    request = make_request(agent=people.tier1, ticket=ticket)
    assert request.status == ActionStatus.PENDING
    assert request.approve_permission == "action.approve.unlock_account"

    done = action_decide(agent=people.tier2, request_id=request.pk, approve=True, comment="ok")

    assert done.status == ActionStatus.DONE
    assert done.reference.startswith("EX-")
    assert [c["uid"] for c in exchange.state.executed] == ["U-7001"]
    sent = exchange.state.executed[0]
    assert sent["idempotency_key"] == request.idempotency_key
    assert sent["requested_by"] == "Tia One" and sent["approved_by"] == "Tom Two"
    assert _steps(request) == ["action.requested", "action.approved", "action.executed"]
    kinds = TicketActivity.objects.filter(ticket=ticket, kind="action").values_list(
        "data__step", flat=True
    )
    assert list(kinds) == ["requested", "approved", "executed"]
    assert chain_verify().ok


def test_the_requester_cannot_approve_their_own_request_even_as_admin(
    people: People, exchange: ExchangeSim
) -> None:
    request = make_request(agent=people.admin)
    with pytest.raises(PermissionDenied, match="own request"):
        action_decide(agent=people.admin, request_id=request.pk, approve=True)
    with pytest.raises(PermissionDenied):
        action_decide(agent=people.admin, request_id=request.pk, approve=False, comment="no")
    request.refresh_from_db()
    assert request.status == ActionStatus.PENDING
    assert exchange.state.requests == 0
    done = action_decide(agent=people.admin2, request_id=request.pk, approve=True)
    assert done.status == ActionStatus.DONE


def test_tier1_cannot_approve_and_tier2_cannot_approve_a_balance_adjustment(
    people: People, exchange: ExchangeSim
) -> None:
    unlock = make_request(agent=people.tier2)
    with pytest.raises(PermissionDenied):
        action_decide(agent=people.tier1, request_id=unlock.pk, approve=True)
    adjust = make_request(
        agent=people.tier1,
        kind="balance_adjust",
        params={"asset": "usdt", "amount": "250.50", "sign": "credit"},
    )
    assert adjust.params == {"asset": "USDT", "amount": "250.50", "sign": "credit"}
    for agent in (people.tier2, people.tier3):
        with pytest.raises(PermissionDenied):
            action_decide(agent=agent, request_id=adjust.pk, approve=True)
    assert exchange.state.requests == 0
    assert action_decide(agent=people.supervisor, request_id=adjust.pk, approve=True).status == (
        ActionStatus.DONE
    )


def test_a_large_adjustment_needs_an_admin(people: People, exchange: ExchangeSim) -> None:
    large = make_request(
        agent=people.tier2,
        kind="balance_adjust",
        params={"asset": "BTC", "amount": "1.5", "sign": "debit"},
    )
    assert large.approve_permission == "action.approve.balance_adjust.large"
    with pytest.raises(PermissionDenied):
        action_decide(agent=people.supervisor, request_id=large.pk, approve=True)
    assert action_decide(agent=people.admin, request_id=large.pk, approve=True).status == "done"


def test_whitelisting_needs_tier3_and_a_valid_address(
    people: People, exchange: ExchangeSim
) -> None:
    with pytest.raises(ValidationFailed, match="address"):
        make_request(
            agent=people.tier1,
            kind="whitelist_address",
            params={"asset": "BTC", "chain": "bitcoin", "address": "0x" + "a" * 40},
        )
    with pytest.raises(ValidationFailed, match="chain"):
        make_request(
            agent=people.tier1,
            kind="whitelist_address",
            params={"asset": "BTC", "chain": "dogechain", "address": BTC_ADDRESS},
        )
    request = make_request(
        agent=people.tier1,
        kind="whitelist_address",
        params={"asset": "BTC", "chain": "Bitcoin", "address": BTC_ADDRESS},
    )
    with pytest.raises(PermissionDenied):
        action_decide(agent=people.tier2, request_id=request.pk, approve=True)
    assert action_decide(agent=people.tier3, request_id=request.pk, approve=True).status == "done"
    assert exchange.state.executed[0]["params"]["address"] == BTC_ADDRESS


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("balance_adjust", {"asset": "BTC", "amount": "0", "sign": "credit"}, "amount"),
        ("balance_adjust", {"asset": "BTC", "amount": "-3", "sign": "credit"}, "amount"),
        ("balance_adjust", {"asset": "BTC", "amount": "NaN", "sign": "credit"}, "amount"),
        ("balance_adjust", {"asset": "BTC", "amount": 0.1, "sign": "credit"}, "amount"),
        ("balance_adjust", {"asset": "BTC", "amount": "1", "sign": "steal"}, "sign"),
        ("balance_adjust", {"asset": "B T C", "amount": "1", "sign": "debit"}, "asset"),
        ("release_withdrawal", {}, "withdrawal_id"),
        ("release_withdrawal", {"withdrawal_id": "a b"}, "withdrawal_id"),
        ("launch_rocket", {}, "kind"),
    ],
)
def test_parameters_are_validated_per_kind(
    people: People, kind: str, params: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed, match=field):
        make_request(agent=people.tier1, kind=kind, params=params)
    assert not ActionRequest.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_customer_without_uid_or_a_missing_reason_is_refused(people: People) -> None:
    from tests.factories.tickets import ingest

    with pytest.raises(ValidationFailed, match="UID"):
        make_request(agent=people.tier1, ticket=ingest().ticket)
    with pytest.raises(ValidationFailed, match="reason"):
        make_request(agent=people.tier1, reason="  ")


def test_refusal_needs_a_comment_and_is_final(people: People, exchange: ExchangeSim) -> None:
    request = make_request(agent=people.tier1)
    with pytest.raises(ValidationFailed, match="comment"):
        action_decide(agent=people.tier2, request_id=request.pk, approve=False)
    refused = action_decide(
        agent=people.tier2, request_id=request.pk, approve=False, comment="KYC not verified"
    )
    assert refused.status == ActionStatus.REFUSED
    with pytest.raises(Conflict):
        action_decide(agent=people.tier3, request_id=request.pk, approve=True)
    assert exchange.state.requests == 0
    assert _steps(request) == ["action.requested", "action.refused"]


def test_a_failure_is_recorded_and_a_retry_sends_the_same_key(
    people: People, exchange: ExchangeSim
) -> None:
    exchange.state.fail_next = [503, 503, 503]  # every attempt of the first execution
    request = make_request(agent=people.tier1)
    failed = action_decide(agent=people.tier2, request_id=request.pk, approve=True)
    assert failed.status == ActionStatus.FAILED
    assert "503" in failed.last_error
    assert exchange.state.requests == 3 and exchange.state.executed == []
    with pytest.raises(PermissionDenied):
        action_retry(agent=people.tier1, request_id=request.pk)  # the requester
    done = action_retry(agent=people.tier3, request_id=request.pk)
    assert done.status == ActionStatus.DONE and done.attempts == 2
    assert [c["idempotency_key"] for c in exchange.state.executed] == [request.idempotency_key]
    assert _steps(request) == [
        "action.requested",
        "action.approved",
        "action.failed",
        "action.executed",
    ]
    with pytest.raises(Conflict):
        action_retry(agent=people.tier3, request_id=request.pk)


def test_a_timeout_is_retried_with_the_same_key_and_done_once(
    people: People, exchange: ExchangeSim
) -> None:
    exchange.state.slow_next = [2.0]  # does it, then answers after the gateway's 1 s timeout
    request = make_request(agent=people.tier1)
    done = action_decide(agent=people.tier2, request_id=request.pk, approve=True)
    assert done.status == ActionStatus.DONE
    assert exchange.state.requests >= 2  # the timed-out call and the retry
    assert len(exchange.state.executed) == 1


def test_the_exchange_can_reject(people: People, exchange: ExchangeSim) -> None:
    exchange.state.reject_next = ["account is under investigation"]
    request = make_request(agent=people.tier1)
    rejected = action_decide(agent=people.tier2, request_id=request.pk, approve=True)
    assert rejected.status == ActionStatus.REJECTED
    assert rejected.result_message == "account is under investigation"
    assert _steps(request)[-1] == "action.rejected"


def test_a_bad_signature_is_refused_by_the_exchange(
    people: People, exchange: ExchangeSim, settings: object
) -> None:
    settings.VIGIL_EXCHANGE_SECRET = "not-the-shared-secret-at-all"  # type: ignore[attr-defined]
    request = make_request(agent=people.tier1)
    failed = action_decide(agent=people.tier2, request_id=request.pk, approve=True)
    assert failed.status == ActionStatus.FAILED and "401" in failed.last_error
    assert exchange.state.executed == []


def test_stale_requests_expire(people: People, exchange: ExchangeSim) -> None:
    old = make_request(agent=people.tier1)
    fresh = make_request(agent=people.tier1)
    ActionRequest.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(1))
    assert actions_expire() == 1
    assert actions_expire() == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (ActionStatus.EXPIRED, ActionStatus.PENDING)
    with pytest.raises(Conflict):
        action_decide(agent=people.tier2, request_id=old.pk, approve=True)
    assert _steps(old) == ["action.requested", "action.expired"]
    assert exchange.state.requests == 0
    assert chain_verify().ok


def test_an_unnoticed_expiry_is_recorded_when_someone_tries_to_approve(
    people: People, exchange: ExchangeSim
) -> None:
    request = make_request(agent=people.tier1)
    ActionRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())
    with pytest.raises(Conflict, match="expired"):
        action_decide(agent=people.tier2, request_id=request.pk, approve=True)
    request.refresh_from_db()
    assert request.status == ActionStatus.EXPIRED
    assert _steps(request) == ["action.requested", "action.expired"]


def test_a_stuck_execution_can_be_retried_after_a_while(
    people: People, exchange: ExchangeSim
) -> None:
    request = make_request(agent=people.tier1)
    ActionRequest.objects.filter(pk=request.pk).update(status=ActionStatus.EXECUTING)
    # Another process holds it (fresh): nothing is sent.
    assert action_retry(agent=people.tier2, request_id=request.pk).status == "executing"
    assert exchange.state.requests == 0
    ActionRequest.objects.filter(pk=request.pk).update(
        updated_at=timezone.now() - timedelta(minutes=6)
    )
    assert action_retry(agent=people.tier2, request_id=request.pk).status == "done"
    assert len(exchange.state.executed) == 1
