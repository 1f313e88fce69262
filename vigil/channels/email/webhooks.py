"""Provider inbound webhooks: Mailgun, Postmark, SendGrid, Amazon SES. See
docs/architecture.md#e-mail.

Each provider posts a received mail to `/hooks/email/<provider>/<account id>/`. The request
is authenticated with the account's own secrets before anything is parsed:

* Mailgun: HMAC-SHA256 of timestamp + token with the webhook signing key (django-anymail);
* Postmark: HTTP basic auth (django-anymail), Postmark has no signature;
* SendGrid: the ECDSA signature of timestamp + body (`X-Twilio-Email-Event-Webhook-*`),
  checked by django-anymail's verifier, optionally basic auth too;
* Amazon SES: the SNS message signature (RSA, SignatureVersion 1 or 2) against the signing
  certificate fetched from the SNS host, the topic checked against the configured one.

A request is accepted once: its provider token (Mailgun's token, SendGrid's signature,
Postmark's MessageID, the SNS MessageId) goes into `WebhookReceipt` in the transaction that
stores the mail, and a timestamp outside REPLAY_WINDOW is refused, so a captured request
cannot be played again. Mail is parsed by django-anymail's inbound parsers (raw MIME kept
where the provider sends it) and stored with `email_receive`; the view answers 200 after
the commit.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from vigil.channels.email.accounts import email_account_secrets
from vigil.channels.email.services import EmailReceived, email_receive
from vigil.channels.models import ChannelAccount, WebhookReceipt

REPLAY_WINDOW = timedelta(hours=12)  # providers retry failed posts for hours (Mailgun: 8)
FUTURE_SKEW = timedelta(minutes=5)
PROVIDERS = ("mailgun", "postmark", "sendgrid", "amazon_ses")
_SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")


class WebhookRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class Delivery:
    """A verified webhook: its one-time token, when it was signed, and the mails it carries."""

    token: str
    signed_at: datetime | None
    mails: list[tuple[bytes, str | None, list[str]]]  # raw, envelope sender, recipients


def _anymail_view(cls: type, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(**kwargs)


def _anymail_check(view: Any, request: HttpRequest) -> list[Any]:
    from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure

    try:
        view.run_validators(request)
    except AnymailWebhookValidationFailure as exc:
        raise WebhookRefused(403, f"signature check failed: {exc}") from None
    try:
        return list(view.parse_events(request))
    except (AnymailError, KeyError, ValueError, TypeError) as exc:
        raise WebhookRefused(400, f"unreadable payload: {type(exc).__name__}") from None


def _raw_of(event: Any) -> tuple[bytes, str | None, list[str]]:
    message = event.message
    recipient = getattr(message, "envelope_recipient", None)
    return (
        message.as_bytes(),
        getattr(message, "envelope_sender", None),
        [recipient] if recipient else [],
    )


def _need(secrets: dict[str, str], name: str) -> str:
    value = secrets.get(name, "")
    if not value:
        raise WebhookRefused(403, f"this address has no {name} configured")
    return value


def _mailgun(request: HttpRequest, secrets: dict[str, str]) -> Delivery:
    from anymail.webhooks.mailgun import MailgunInboundWebhookView

    key = _need(secrets, "mailgun_signing_key")
    view = _anymail_view(MailgunInboundWebhookView, webhook_signing_key=key)
    events = _anymail_check(view, request)
    stamp = _epoch(request.POST.get("timestamp", ""))
    mails = []
    for event in events:
        raw, sender, rcpts = _raw_of(event)
        if "body-mime" in request.POST:  # the original bytes, not a re-serialisation
            raw = request.POST["body-mime"].encode("utf-8", "surrogateescape")
        mails.append((raw, sender, rcpts))
    return Delivery(token=request.POST.get("token", ""), signed_at=stamp, mails=mails)


def _postmark(request: HttpRequest, secrets: dict[str, str]) -> Delivery:
    from anymail.webhooks.postmark import PostmarkInboundWebhookView

    auth = _need(secrets, "postmark_basic_auth")
    view = _anymail_view(PostmarkInboundWebhookView, webhook_secret=[auth])
    events = _anymail_check(view, request)
    payload = json.loads(request.body)
    mails = []
    for event in events:
        raw, sender, rcpts = _raw_of(event)
        if isinstance(payload.get("RawEmail"), str):
            raw = payload["RawEmail"].encode("utf-8", "surrogateescape")
        mails.append((raw, sender, rcpts))
    token = str(payload.get("MessageID") or hashlib.sha256(request.body).hexdigest())
    return Delivery(token=token, signed_at=None, mails=mails)


def _sendgrid(request: HttpRequest, secrets: dict[str, str]) -> Delivery:
    from anymail.webhooks.sendgrid import SendGridBaseWebhookView, SendGridInboundWebhookView

    class SignedInbound(SendGridBaseWebhookView, SendGridInboundWebhookView):
        key_setting_name = "inbound_webhook_verification_key"

    key = _need(secrets, "sendgrid_verification_key")
    basic = secrets.get("sendgrid_basic_auth")
    kwargs: dict[str, Any] = {"inbound_webhook_verification_key": key}
    if basic:
        kwargs["webhook_secret"] = [basic]
    view = _anymail_view(SignedInbound, **kwargs)
    events = _anymail_check(view, request)
    stamp = _epoch(request.headers.get("X-Twilio-Email-Event-Webhook-Timestamp", ""))
    mails = []
    for event in events:
        raw, sender, rcpts = _raw_of(event)
        if "email" in request.POST:
            raw = request.POST["email"].encode("utf-8", "surrogateescape")
        mails.append((raw, sender, rcpts))
    token = request.headers.get("X-Twilio-Email-Event-Webhook-Signature", "")
    return Delivery(token=hashlib.sha256(token.encode()).hexdigest(), signed_at=stamp, mails=mails)


def _epoch(value: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise WebhookRefused(400, "missing or invalid timestamp") from None


# --- Amazon SES over SNS ------------------------------------------------------------------

_SNS_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}
_SNS_FIELDS["UnsubscribeConfirmation"] = _SNS_FIELDS["SubscriptionConfirmation"]


@functools.lru_cache(maxsize=32)
def _fetch_certificate(url: str) -> bytes:
    with urlopen(url, timeout=10) as response:  # noqa: S310 - an https SNS host, checked
        return bytes(response.read())


# Tests and offline installations put certificates here (URL -> PEM) instead of fetching.
CERTIFICATES: dict[str, bytes] = {}
certificate_fetcher: Callable[[str], bytes] = _fetch_certificate


def sns_string_to_sign(message: dict[str, Any]) -> bytes:
    fields = _SNS_FIELDS.get(str(message.get("Type")))
    if fields is None:
        raise WebhookRefused(400, f"unknown SNS message type {message.get('Type')!r}")
    lines = []
    for name in fields:
        if name in message and message[name] is not None:
            lines += [name, str(message[name])]
    return ("\n".join(lines) + "\n").encode("utf-8")


def sns_verify(message: dict[str, Any]) -> None:
    url = str(message.get("SigningCertURL") or message.get("SigningCertUrl") or "")
    parts = urlsplit(url)
    if (
        parts.scheme != "https"
        or not _SNS_HOST.match(parts.hostname or "")
        or not parts.path.endswith(".pem")
    ):
        raise WebhookRefused(403, "the signing certificate is not from an SNS host")
    version = str(message.get("SignatureVersion", "1"))
    algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}.get(version)  # noqa: S303 - SNS v1
    if algorithm is None:
        raise WebhookRefused(403, f"unknown SNS SignatureVersion {version}")
    try:
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
        pem = CERTIFICATES.get(url) or certificate_fetcher(url)
        key = x509.load_pem_x509_certificate(pem).public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise WebhookRefused(403, "the SNS certificate has no RSA key")
        key.verify(signature, sns_string_to_sign(message), padding.PKCS1v15(), algorithm)
    except WebhookRefused:
        raise
    except (InvalidSignature, ValueError):
        raise WebhookRefused(403, "SNS signature check failed") from None
    except OSError:
        raise WebhookRefused(503, "cannot fetch the SNS signing certificate") from None


def _amazon_ses(request: HttpRequest, secrets: dict[str, str]) -> Delivery:
    topic = _need(secrets, "ses_topic_arn")
    basic = secrets.get("ses_basic_auth")
    if basic:
        from anymail.utils import get_request_basic_auth
        from django.utils.crypto import constant_time_compare

        if not constant_time_compare(get_request_basic_auth(request) or "", basic):
            raise WebhookRefused(403, "basic auth failed")
    try:
        message = json.loads(request.body)
    except ValueError:
        raise WebhookRefused(400, "the SNS body is not JSON") from None
    if not isinstance(message, dict):
        raise WebhookRefused(400, "the SNS body is not an object")
    sns_verify(message)
    if message.get("TopicArn") != topic:
        raise WebhookRefused(403, "the SNS topic is not this address's topic")
    stamp = _iso(str(message.get("Timestamp", "")))
    token = str(message.get("MessageId", ""))
    if message.get("Type") != "Notification":
        # Subscription (un)confirmations carry no mail; the operator confirms in AWS.
        return Delivery(token=token, signed_at=stamp, mails=[])
    return Delivery(token=token, signed_at=stamp, mails=[_ses_mail(message)])


def _ses_mail(message: dict[str, Any]) -> tuple[bytes, str | None, list[str]]:
    try:
        event = json.loads(str(message["Message"]))
        action = event["receipt"]["action"]
        if event.get("notificationType") != "Received" or action.get("type") != "SNS":
            raise WebhookRefused(400, "only SES 'Received' notifications of an SNS action")
        content = str(event["content"])
        raw = (
            base64.b64decode(content)
            if action.get("encoding") == "BASE64"
            else content.encode("utf-8", "surrogateescape")
        )
        rcpts = [str(r) for r in event["receipt"].get("recipients", [])]
        return raw, event.get("mail", {}).get("source"), rcpts
    except (KeyError, ValueError, TypeError, AttributeError):
        raise WebhookRefused(400, "unreadable SES notification") from None


def _iso(value: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise WebhookRefused(400, "missing or invalid timestamp") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


_VERIFIERS: dict[str, Callable[[HttpRequest, dict[str, str]], Delivery]] = {
    "mailgun": _mailgun,
    "postmark": _postmark,
    "sendgrid": _sendgrid,
    "amazon_ses": _amazon_ses,
}


def email_webhook_receive(
    *, provider: str, account: ChannelAccount, request: HttpRequest
) -> list[EmailReceived]:
    """Verify, refuse replays, store. Raises WebhookRefused with the HTTP status to answer."""
    verifier = _VERIFIERS.get(provider)
    if verifier is None:
        raise WebhookRefused(404, f"unknown provider {provider!r}")
    delivery = verifier(request, email_account_secrets(account))
    now = timezone.now()
    if delivery.signed_at is not None and not (
        now - REPLAY_WINDOW <= delivery.signed_at <= now + FUTURE_SKEW
    ):
        raise WebhookRefused(403, "the request is too old (or from the future)")
    if not delivery.token:
        raise WebhookRefused(400, "the request has no token")
    with transaction.atomic():
        try:
            with transaction.atomic():
                WebhookReceipt.objects.create(
                    provider=provider, token=delivery.token[:200], received_at=now
                )
        except IntegrityError:
            raise WebhookRefused(409, "this request was already accepted (replay)") from None
        return [
            email_receive(
                account=account,
                raw=raw,
                envelope_sender=sender,
                recipients=rcpts,
                via=provider,
            )
            for raw, sender, rcpts in delivery.mails
        ]


def webhook_receipts_prune(*, older_than: timedelta = REPLAY_WINDOW + timedelta(hours=1)) -> int:
    """Forget tokens older than the accepted window: their timestamps are refused anyway."""
    deleted, _ = WebhookReceipt.objects.filter(received_at__lt=timezone.now() - older_than).delete()
    return deleted
