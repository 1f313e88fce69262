# ruff: noqa: F811, RUF001 - pytest fixtures are imported by name; CJK punctuation in mail
"""Mail sent with smtplib to the desk's real SMTP listener on loopback."""

from __future__ import annotations

import contextlib
import smtplib
import sqlite3
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from django.db import connection

from tests.channels.email.transport import (  # noqa: F401 - fixtures
    SUPPORT,
    listener,
    mail,
    send,
    sink,
    support,
    wire,
)
from vigil.channels.email.accounts import email_account_create
from vigil.channels.email.smtp import SMTPListener
from vigil.channels.models import ChannelAccount
from vigil.tickets.choices import DeliveryStatus, Direction
from vigil.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def _inbound(external_id: str) -> Message:
    return Message.objects.select_related("ticket").get(
        direction=Direction.INBOUND, external_id=external_id
    )


def test_new_conversation_opens_a_ticket_and_queues_an_acknowledgement(
    listener: SMTPListener,
) -> None:
    refused = send(listener.port, mail(message_id="<first-1@example.com>"))
    assert refused == {}
    message = _inbound("first-1@example.com")
    assert message.ticket.subject == "Withdrawal stuck"
    assert message.ticket.customer.email == "alice@example.com"
    assert message.text.startswith("My BTC withdrawal")
    assert message.raw.name and message.raw.read().startswith(b"From: alice@example.com")
    assert message.no_ack_reason == ""
    ack = Message.objects.get(ticket=message.ticket, direction=Direction.OUTBOUND)
    assert ack.delivery_status == DeliveryStatus.PENDING
    assert f"[#{message.ticket.reference}]" in ack.subject
    assert message.ticket.reference in ack.text
    assert ack.metadata["auto"] == "acknowledgement"


def test_second_conversation_is_a_second_ticket(listener: SMTPListener) -> None:
    send(listener.port, mail(message_id="<a@example.com>", subject="Deposit missing"))
    send(listener.port, mail(message_id="<b@example.com>", subject="2FA reset"))
    assert Ticket.objects.count() == 2


def test_retried_mail_is_stored_once(listener: SMTPListener) -> None:
    letter = mail(message_id="<retry@example.com>")
    send(listener.port, letter)
    send(listener.port, letter)
    assert Message.objects.filter(external_id="retry@example.com").count() == 1
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1


def test_mail_without_message_id_is_stored_once_by_its_bytes(listener: SMTPListener) -> None:
    raw = (
        b"From: bob@example.com\r\nTo: support@vigil.test\r\nSubject: no id\r\n"
        b"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nHello, my deposit is missing.\r\n"
    )
    send(listener.port, raw, sender="bob@example.com")
    send(listener.port, raw, sender="bob@example.com")
    stored = Message.objects.filter(direction=Direction.INBOUND)
    assert stored.count() == 1
    assert str(stored.get().external_id).endswith("@vigil.synthetic")


def test_unknown_recipient_is_refused_with_550(listener: SMTPListener) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as caught:
        send(listener.port, mail(to="nobody@vigil.test"), to=["nobody@vigil.test"])
    code, _ = caught.value.recipients["nobody@vigil.test"]
    assert code == 550
    assert Message.objects.count() == 0


def test_plus_address_is_accepted_for_its_support_account(listener: SMTPListener) -> None:
    to = "support+VG-999@vigil.test"
    assert send(listener.port, mail(to=to, message_id="<plus@example.com>"), to=[to]) == {}
    assert _inbound("plus@example.com").channel_account == ChannelAccount.objects.get(
        address=SUPPORT
    )


def test_oversize_mail_is_refused_with_552(listener: SMTPListener) -> None:
    big = mail(body=("y" * 900 + "\n") * 2600)  # > 2 MiB
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as client:
        client.ehlo()
        assert client.has_extn("size")
        assert int(client.esmtp_features["size"]) == listener.size_limit
        with pytest.raises(smtplib.SMTPSenderRefused) as caught:
            client.sendmail("alice@example.com", [SUPPORT], wire(big))
    assert caught.value.smtp_code == 552
    assert Message.objects.count() == 0


def test_oversize_data_without_size_parameter_gets_552(listener: SMTPListener) -> None:
    raw = wire(mail()) + (b"z" * 900 + b"\r\n") * (listener.size_limit // 900 + 10)
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as client:
        client.ehlo()
        client.esmtp_features.pop("size", None)  # do not announce the size up front
        with pytest.raises(smtplib.SMTPDataError) as caught:
            client.sendmail("alice@example.com", [SUPPORT], raw)
    assert caught.value.smtp_code == 552


def test_smtputf8_and_8bitmime(listener: SMTPListener) -> None:
    raw = (
        "From: 李雷 <li@例子.测试>\r\nTo: support@vigil.test\r\nSubject: 提币一直没到账\r\n"
        "Message-ID: <utf8-1@example.cn>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "您好，我的USDT提币已经两天了还没到账。\r\n"
    ).encode()
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as client:
        client.ehlo()
        assert client.has_extn("smtputf8") and client.has_extn("8bitmime")
        client.sendmail("li@例子.测试", [SUPPORT], raw, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
    message = _inbound("utf8-1@example.cn")
    assert message.ticket.subject == "提币一直没到账"
    assert "两天" in message.text
    ack = Message.objects.get(ticket=message.ticket, direction=Direction.OUTBOUND)
    assert ack.metadata["language"] == "zh-hans"
    assert "我们已收到您的请求" in ack.subject


def test_gbk_body_over_8bitmime(listener: SMTPListener) -> None:
    raw = (
        b"From: wang@example.cn\r\nTo: support@vigil.test\r\nSubject: =?GBK?B?"
        + __import__("base64").b64encode("充值未到账".encode("gbk"))
        + b"?=\r\nMessage-ID: <gbk-1@example.cn>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=GBK\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "我昨天充值的ETH还没有到账，交易哈希是0xabc。\r\n".encode("gbk")
    )
    send(listener.port, raw, sender="wang@example.cn", mail_options=("BODY=8BITMIME",))
    message = _inbound("gbk-1@example.cn")
    assert message.ticket.subject == "充值未到账"
    assert "交易哈希" in message.text


def test_one_mail_to_two_support_addresses_is_stored_for_each(listener: SMTPListener) -> None:
    other, _ = email_account_create(address="vip@vigil.test")
    letter = mail(to="support@vigil.test, vip@vigil.test", message_id="<both@example.com>")
    send(listener.port, letter, to=[SUPPORT, "vip@vigil.test"])
    stored = Message.objects.filter(external_id="both@example.com")
    assert {m.channel_account_id for m in stored} == {
        ChannelAccount.objects.get(address=SUPPORT).pk,
        other.pk,
    }


def test_received_mail_is_not_acknowledged_twice_by_the_sink(listener: SMTPListener) -> None:
    """Sanity check of the helper: the listener's 250 text names the stored ticket."""
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=30) as client:
        client.ehlo()
        client.mail("alice@example.com")
        client.rcpt(SUPPORT)
        code, reply = client.data(wire(mail(message_id="<reply-text@example.com>")))
    assert code == 250
    ticket = _inbound("reply-text@example.com").ticket
    assert ticket.reference.encode() in reply
    stored = _inbound("reply-text@example.com").raw.read()
    parsed = message_from_bytes(stored, policy=policy.default)
    assert parsed["Message-ID"] == "<reply-text@example.com>"


@contextlib.contextmanager
def database_locked() -> Iterator[None]:
    """Another client holds the database so the desk cannot write (SQLite: an exclusive
    transaction; PostgreSQL: an exclusive lock on the messages table)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(settings["NAME"], isolation_level=None, timeout=5)
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    import psycopg

    other_pg = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or None,
    )
    try:
        other_pg.execute("LOCK TABLE tickets_message IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        other_pg.rollback()
        other_pg.close()


def test_database_unavailable_mid_stream_answers_451_and_the_retry_lands_once(
    listener: SMTPListener,
) -> None:
    for n in range(3):
        send(listener.port, mail(subject=f"Before {n}", message_id=f"<before-{n}@example.com>"))
    stuck = mail(subject="During the outage", message_id="<during@example.com>")
    with database_locked():
        with pytest.raises(smtplib.SMTPDataError) as caught:
            send(listener.port, stuck)
        assert caught.value.smtp_code == 451
    assert send(listener.port, stuck) == {}  # the sending server's retry
    assert send(listener.port, stuck) == {}  # and a second one changes nothing
    send(listener.port, mail(subject="After", message_id="<after@example.com>"))
    ids = sorted(str(m.external_id) for m in Message.objects.filter(direction=Direction.INBOUND))
    assert ids == sorted(
        [
            "before-0@example.com",
            "before-1@example.com",
            "before-2@example.com",
            "during@example.com",
            "after@example.com",
        ]
    )
    assert Ticket.objects.count() == 5
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 5


@pytest.mark.parametrize(
    ("body", "language", "title"),
    [
        (
            "出金が二日間保留のままです。確認していただけますか。",
            "ja",
            "お問い合わせを受け付けました",
        ),
        ("我的提幣已經兩天了還沒到賬，請幫忙查詢這個問題。", "zh-hant", "我們已收到您的請求"),
        ("My deposit has not arrived after six confirmations.", "en", "We received your request"),
    ],
)
def test_acknowledgement_is_in_the_customers_language(
    listener: SMTPListener, body: str, language: str, title: str
) -> None:
    send(listener.port, mail(body=body + "\n", message_id=f"<lang-{language}@example.com>"))
    message = _inbound(f"lang-{language}@example.com")
    ack = Message.objects.get(ticket=message.ticket, direction=Direction.OUTBOUND)
    assert ack.metadata["language"] == language
    assert ack.subject == f"{title} [#{message.ticket.reference}]"
    assert message.ticket.reference in ack.text


def test_mail_without_a_usable_sender_is_stored_without_acknowledgement(
    listener: SMTPListener,
) -> None:
    raw = (
        b"From: undisclosed-recipients:;\r\nTo: support@vigil.test\r\nSubject: ???\r\n"
        b"Message-ID: <nosender@example.com>\r\n\r\nSomeone wrote without a From.\r\n"
    )
    send(listener.port, raw, sender="")
    message = _inbound("nosender@example.com")
    assert message.no_ack_reason == "no_address"
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
