"""The exchange behind the desk: how an approved action is carried out. See
docs/architecture.md#sensitive-actions-and-approvals (the JSON contract is written there).

`ExchangeGateway` is the interface; `HttpExchangeGateway` speaks the contract: POST
{base}/v1/actions with a JSON body, signed with HMAC-SHA256 (`X-Vigil-Signature: sha256=<hex>`
over `<timestamp>.<body>`, `X-Vigil-Timestamp` in Unix seconds; the exchange refuses a
timestamp more than REPLAY_WINDOW away from its clock). A timeout, a refused connection, a 5xx,
408 or 429 is retried with the same idempotency key, so the exchange does the action once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)

REPLAY_WINDOW = 300  # seconds
SIGNATURE_HEADER = "X-Vigil-Signature"
TIMESTAMP_HEADER = "X-Vigil-Timestamp"
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class ActionCommand:
    """What the exchange is asked to do (the request body)."""

    idempotency_key: str
    action: str
    uid: str
    params: dict[str, Any]
    requested_by: str
    approved_by: str
    reason: str


@dataclass(frozen=True, slots=True)
class GatewayResult:
    status: str  # "done" or "rejected"
    reference: str
    message: str


class GatewayFailure(Exception):
    """The action's outcome is unknown or it could not be sent: retry later (same key)."""


class GatewayRefused(GatewayFailure):
    """The exchange refused the call itself (a 4xx other than 408/429: a bad signature, a
    malformed body): trying again at once would get the same answer."""


class ExchangeGateway(Protocol):
    def execute(self, command: ActionCommand) -> GatewayResult:
        """Carry out the command, or raise GatewayFailure."""
        ...


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signature_valid(
    secret: str, *, timestamp: str, signature: str, body: bytes, now: float | None = None
) -> bool:
    """What the exchange checks: the signature, and a timestamp inside the replay window."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= REPLAY_WINDOW and hmac.compare_digest(sign(secret, timestamp, body), signature)


def encode(command: ActionCommand) -> bytes:
    return json.dumps(asdict(command), sort_keys=True, separators=(",", ":")).encode()


class HttpExchangeGateway:
    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        timeout: float = 5.0,
        attempts: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self.url = base_url.rstrip("/") + "/v1/actions"
        self.secret = secret
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff

    def execute(self, command: ActionCommand) -> GatewayResult:
        body = encode(command)
        last = "not sent"
        for attempt in range(1, self.attempts + 1):
            try:
                return self._post(body)
            except GatewayRefused:
                raise
            except GatewayFailure as exc:
                last = str(exc)
                logger.warning(
                    "exchange action %s attempt %d failed: %s",
                    command.idempotency_key,
                    attempt,
                    exc,
                )
            if attempt < self.attempts:
                time.sleep(self.backoff * 2 ** (attempt - 1))
        raise GatewayFailure(f"after {self.attempts} attempts: {last}")

    def _post(self, body: bytes) -> GatewayResult:
        timestamp = str(int(time.time()))
        request = urllib.request.Request(  # noqa: S310 - the URL is configuration, http(s) only
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return _result(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:200].decode(errors="replace")
            if exc.code in RETRYABLE_STATUS:
                raise GatewayFailure(f"HTTP {exc.code} {detail}") from None
            raise GatewayRefused(
                f"the exchange refused the call: HTTP {exc.code} {detail}"
            ) from None
        except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
            raise GatewayFailure(f"no answer: {exc}") from None


def _result(raw: bytes) -> GatewayResult:
    try:
        data = json.loads(raw)
        status = data["status"]
    except (ValueError, KeyError, TypeError):
        raise GatewayFailure("the exchange's answer is not the contract's JSON") from None
    if status not in {"done", "rejected"}:
        raise GatewayFailure(f"the exchange answered an unknown status {status!r}")
    return GatewayResult(
        status=status,
        reference=str(data.get("reference") or "")[:120],
        message=str(data.get("message") or "")[:500],
    )


class NoExchange:
    """Used when VIGIL_EXCHANGE_URL is not set: every action fails (retryable) until it is."""

    def execute(self, command: ActionCommand) -> GatewayResult:
        raise GatewayFailure("no exchange is configured (VIGIL_EXCHANGE_URL)")


def gateway_from_settings() -> ExchangeGateway:
    url = getattr(settings, "VIGIL_EXCHANGE_URL", None)
    secret = getattr(settings, "VIGIL_EXCHANGE_SECRET", None)
    if not url or not secret:
        return NoExchange()
    return HttpExchangeGateway(
        url,
        secret,
        timeout=float(getattr(settings, "VIGIL_EXCHANGE_TIMEOUT", 5.0)),
        attempts=int(getattr(settings, "VIGIL_EXCHANGE_ATTEMPTS", 3)),
        backoff=float(getattr(settings, "VIGIL_EXCHANGE_BACKOFF", 0.5)),
    )
