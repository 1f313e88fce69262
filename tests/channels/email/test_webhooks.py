# ruff: noqa: F811 - pytest fixtures are imported by name
"""Provider inbound webhooks with signatures computed here as each provider computes them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from django.test import Client
from django.test.client import BOUNDARY, encode_multipart

from tests.channels.email.transport import mail, support, wire  # noqa: F401 - fixture
from vigil.channels.email import webhooks
from vigil.channels.email.accounts import email_account_secrets_set
from vigil.channels.models import ChannelAccount
from vigil.tickets.choices import Direction
from vigil.tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

MAILGUN_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
POSTMARK_AUTH = "postmark:s3cret-inbound"
TOPIC = "arn:aws:sns:us-east-1:123456789012:vigil-inbound"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"


def _url(provider: str, account: ChannelAccount) -> str:
    return f"/hooks/email/{provider}/{account.pk}/"


def _stored(external_id: str) -> int:
    return Message.objects.filter(direction=Direction.INBOUND, external_id=external_id).count()


# --- Mailgun --------------------------------------------------------------------------------


def _mailgun_form(
    raw: bytes, *, key: str = MAILGUN_KEY, timestamp: int | None = None
) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    token = hashlib.sha256(raw + stamp.encode()).hexdigest()[:50]
    signature = hmac.new(key.encode(), f"{stamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "timestamp": stamp,
        "token": token,
        "signature": signature,
        "recipient": "support@vigil.test",
        "sender": "alice@example.com",
        "body-mime": raw.decode(),
    }


def test_mailgun_signed_post_is_stored_and_its_replay_refused(support: ChannelAccount) -> None:
    email_account_secrets_set(account=support, values={"mailgun_signing_key": MAILGUN_KEY})
    form = _mailgun_form(wire(mail(message_id="<mg-1@example.com>")))
    client = Client()
    response = client.post(_url("mailgun", support), form)
    assert response.status_code == 200, response.content
    assert response.json()["stored"][0]["duplicate"] is False
    assert _stored("mg-1@example.com") == 1
    replay = client.post(_url("mailgun", support), form)
    assert replay.status_code == 409
    assert _stored("mg-1@example.com") == 1


def test_mailgun_wrong_signature_and_stale_timestamp_are_refused(support: ChannelAccount) -> None:
    email_account_secrets_set(account=support, values={"mailgun_signing_key": MAILGUN_KEY})
    raw = wire(mail(message_id="<mg-2@example.com>"))
    forged = _mailgun_form(raw, key="key-not-the-right-one")
    assert Client().post(_url("mailgun", support), forged).status_code == 403
    old = int((datetime.now(UTC) - timedelta(days=2)).timestamp())
    stale = _mailgun_form(raw, timestamp=old)
    assert Client().post(_url("mailgun", support), stale).status_code == 403
    missing = {k: v for k, v in _mailgun_form(raw).items() if k != "signature"}
    assert Client().post(_url("mailgun", support), missing).status_code == 403
    assert _stored("mg-2@example.com") == 0


def test_webhook_without_configured_secret_is_refused(support: ChannelAccount) -> None:
    form = _mailgun_form(wire(mail(message_id="<mg-3@example.com>")))
    assert Client().post(_url("mailgun", support), form).status_code == 403
    assert Client().post(f"/hooks/email/mailgun/{support.pk + 1000}/", form).status_code == 404
    assert Client().post(_url("nosuchprovider", support), form).status_code == 404


# --- Postmark -------------------------------------------------------------------------------


def _postmark(raw: bytes, message_id: str) -> dict[str, Any]:
    return {
        "FromFull": {"Email": "alice@example.com", "Name": "Alice"},
        "ToFull": [{"Email": "support@vigil.test", "Name": ""}],
        "Subject": "Withdrawal stuck",
        "MessageID": message_id,
        "TextBody": "ignored when RawEmail is present",
        "Headers": [],
        "RawEmail": raw.decode(),
    }


def test_postmark_basic_auth_and_replay(support: ChannelAccount) -> None:
    email_account_secrets_set(account=support, values={"postmark_basic_auth": POSTMARK_AUTH})
    body = json.dumps(_postmark(wire(mail(message_id="<pm-1@example.com>")), "b7bc2f4a-e38e"))
    auth = "Basic " + base64.b64encode(POSTMARK_AUTH.encode()).decode()
    client = Client()
    ok = client.post(
        _url("postmark", support),
        body,
        content_type="application/json",
        headers={"Authorization": auth},
    )
    assert ok.status_code == 200, ok.content
    assert _stored("pm-1@example.com") == 1
    again = client.post(
        _url("postmark", support),
        body,
        content_type="application/json",
        headers={"Authorization": auth},
    )
    assert again.status_code == 409
    wrong = "Basic " + base64.b64encode(b"postmark:guess").decode()
    refused = client.post(
        _url("postmark", support),
        body,
        content_type="application/json",
        headers={"Authorization": wrong},
    )
    assert refused.status_code == 403
    broken = client.post(
        _url("postmark", support),
        "{not json",
        content_type="application/json",
        headers={"Authorization": auth},
    )
    assert broken.status_code == 400


# --- SendGrid -------------------------------------------------------------------------------


@pytest.fixture
def sendgrid_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _sendgrid_post(
    support: ChannelAccount, key: ec.EllipticCurvePrivateKey, raw: bytes, *, tamper: bool = False
) -> Any:
    envelope = json.dumps({"from": "alice@example.com", "to": ["support@vigil.test"]})
    body = encode_multipart(
        BOUNDARY, {"email": raw.decode(), "envelope": envelope, "to": "support@vigil.test"}
    )
    stamp = str(int(time.time()))
    signature = base64.b64encode(
        key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    ).decode()
    if tamper:
        body = body.replace(b"pending", b"PENDING")
    return Client().post(
        _url("sendgrid", support),
        body,
        content_type=f"multipart/form-data;boundary={BOUNDARY}",  # sent as the bytes signed
        headers={
            "X-Twilio-Email-Event-Webhook-Signature": signature,
            "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
        },
    )


def test_sendgrid_ecdsa_signature(
    support: ChannelAccount, sendgrid_key: ec.EllipticCurvePrivateKey
) -> None:
    public = sendgrid_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    email_account_secrets_set(
        account=support, values={"sendgrid_verification_key": base64.b64encode(public).decode()}
    )
    raw = wire(mail(message_id="<sg-1@example.com>"))
    assert _sendgrid_post(support, sendgrid_key, raw, tamper=True).status_code == 403
    assert _stored("sg-1@example.com") == 0
    assert _sendgrid_post(support, sendgrid_key, raw).status_code == 200
    assert _stored("sg-1@example.com") == 1


# --- Amazon SES through SNS -------------------------------------------------------------------


@pytest.fixture
def sns_key() -> Iterator[rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    webhooks.CERTIFICATES[CERT_URL] = cert.public_bytes(serialization.Encoding.PEM)
    yield key
    webhooks.CERTIFICATES.pop(CERT_URL, None)


def _sns(
    key: rsa.RSAPrivateKey, raw: bytes, *, message_id: str, topic: str = TOPIC
) -> dict[str, Any]:
    ses = {
        "notificationType": "Received",
        "mail": {"source": "alice@example.com", "messageId": "ses-1"},
        "receipt": {
            "recipients": ["support@vigil.test"],
            "action": {"type": "SNS", "encoding": "BASE64"},
        },
        "content": base64.b64encode(raw).decode(),
    }
    message = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic,
        "Subject": "Amazon SES Email Receipt Notification",
        "Message": json.dumps(ses),
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "SignatureVersion": "2",
        "SigningCertURL": CERT_URL,
    }
    signed = webhooks.sns_string_to_sign(message)
    message["Signature"] = base64.b64encode(
        key.sign(signed, padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    return message


def _post_sns(support: ChannelAccount, message: dict[str, Any]) -> Any:
    return Client().post(
        _url("amazon_ses", support),
        json.dumps(message),
        content_type="text/plain; charset=UTF-8",
        headers={
            "x-amz-sns-message-type": message["Type"],
            "x-amz-sns-message-id": message["MessageId"],
        },
    )


def test_amazon_ses_sns_signature_topic_and_replay(
    support: ChannelAccount, sns_key: rsa.RSAPrivateKey
) -> None:
    email_account_secrets_set(account=support, values={"ses_topic_arn": TOPIC})
    raw = wire(mail(message_id="<ses-1@example.com>"))
    good = _sns(sns_key, raw, message_id="2a6e0a4e-1111")
    assert _post_sns(support, good).status_code == 200
    assert _stored("ses-1@example.com") == 1
    assert _post_sns(support, good).status_code == 409
    forged = dict(
        _sns(sns_key, raw, message_id="2a6e0a4e-2222"),
        Message=good["Message"].replace("alice", "mallory"),
    )
    assert _post_sns(support, forged).status_code == 403
    other_topic = _sns(sns_key, raw, message_id="2a6e0a4e-3333", topic=TOPIC + "-other")
    assert _post_sns(support, other_topic).status_code == 403
    foreign_cert = dict(
        _sns(sns_key, raw, message_id="2a6e0a4e-4444"),
        SigningCertURL="https://evil.example/cert.pem",
    )
    assert _post_sns(support, foreign_cert).status_code == 403
    assert _stored("ses-1@example.com") == 1
