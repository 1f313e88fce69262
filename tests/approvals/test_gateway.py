"""The exchange contract on the wire: signatures, the replay window, idempotency keys."""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from vigil.approvals.exchange_sim import ExchangeSim
from vigil.approvals.gateway import (
    ActionCommand,
    GatewayFailure,
    HttpExchangeGateway,
    encode,
    sign,
)

SECRET = "wire-test-secret-0123456789"
COMMAND = ActionCommand(
    idempotency_key="k-1",
    action="reset_2fa",
    uid="U-1",
    params={},
    requested_by="A",
    approved_by="B",
    reason="lost phone",
)


@pytest.fixture
def sim() -> Iterator[ExchangeSim]:
    server = ExchangeSim(SECRET).start()
    yield server
    server.stop()


def _post(url: str, body: bytes, timestamp: str, signature: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(
        url + "/v1/actions",
        data=body,
        method="POST",
        headers={"X-Vigil-Timestamp": timestamp, "X-Vigil-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_signed_calls_are_done_once_per_key(sim: ExchangeSim) -> None:
    body = encode(COMMAND)
    now = str(int(time.time()))
    first = _post(sim.url, body, now, sign(SECRET, now, body))
    again = _post(sim.url, body, now, sign(SECRET, now, body))
    assert first[0] == 200 and first[1]["status"] == "done"
    assert again == first
    assert len(sim.state.executed) == 1


def test_bad_signatures_and_old_timestamps_are_refused(sim: ExchangeSim) -> None:
    body = encode(COMMAND)
    now = str(int(time.time()))
    old = str(int(time.time()) - 301)
    assert _post(sim.url, body, now, sign("another-secret-entirely", now, body))[0] == 401
    assert _post(sim.url, body, old, sign(SECRET, old, body))[0] == 401
    tampered = body.replace(b"U-1", b"U-2")
    assert _post(sim.url, tampered, now, sign(SECRET, now, body))[0] == 401
    assert sim.state.executed == []


def test_the_gateway_gives_up_after_its_attempts(sim: ExchangeSim) -> None:
    sim.state.fail_next = [500, 502, 503]
    gateway = HttpExchangeGateway(sim.url, SECRET, timeout=1, attempts=3, backoff=0.01)
    with pytest.raises(GatewayFailure, match="after 3 attempts"):
        gateway.execute(COMMAND)
    assert gateway.execute(COMMAND).status == "done"  # the 4th call gets through
    sim.state.fail_next = [400]
    with pytest.raises(GatewayFailure, match="refused"):
        gateway.execute(dataclasses.replace(COMMAND, idempotency_key="k-2"))


def test_nothing_listening_is_a_failure() -> None:
    gateway = HttpExchangeGateway("http://127.0.0.1:9", SECRET, timeout=1, attempts=2, backoff=0)
    with pytest.raises(GatewayFailure, match="no answer"):
        gateway.execute(COMMAND)
