# ruff: noqa: F811 - pytest fixtures are imported by name
"""The IMAP poller against a real Dovecot on loopback."""

from __future__ import annotations

import threading

import pytest

from tests.channels.email.dovecot import PASSWORD, Dovecot, dovecot  # noqa: F401 - fixture
from tests.channels.email.transport import mail, wait_for, wire
from vigil.channels.email.accounts import email_account_create, email_account_secrets
from vigil.channels.email.imap import PROCESSED_KEYWORD, MailboxWatcher, imap_poll
from vigil.channels.models import ChannelAccount, MailboxState
from vigil.tickets.choices import Direction
from vigil.tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def _account(dovecot: Dovecot, **query: str) -> ChannelAccount:
    account, _ = email_account_create(address="support@vigil.test", imap_url=dovecot.url(**query))
    return account


def _inbound_ids() -> list[str]:
    rows = Message.objects.filter(direction=Direction.INBOUND).order_by("id")
    return [m.external_id or "" for m in rows]


def test_credentials_are_encrypted_at_rest(dovecot: Dovecot) -> None:
    account = _account(dovecot)
    stored = ChannelAccount.objects.get(pk=account.pk)
    assert PASSWORD not in stored.secrets_encrypted
    assert PASSWORD not in str(stored.settings)
    assert email_account_secrets(stored)["imap_password"] == PASSWORD


def test_poll_stores_new_mail_once_and_flags_it(dovecot: Dovecot) -> None:
    account = _account(dovecot)
    dovecot.append(wire(mail(message_id="<imap-1@example.com>", subject="Deposit missing")))
    dovecot.append(wire(mail(message_id="<imap-2@example.com>", subject="KYC stuck")))
    first = imap_poll(account=account)
    assert (first.stored, first.duplicates, first.failed) == (2, 0, 0)
    assert _inbound_ids() == ["imap-1@example.com", "imap-2@example.com"]
    client = dovecot.client()
    try:
        client.select_folder("INBOX")
        flags = client.get_flags(client.search(["ALL"]))
        assert all(b"\\Seen" in f and PROCESSED_KEYWORD.encode() in f for f in flags.values())
    finally:
        client.logout()
    again = imap_poll(account=account)
    assert again.stored == 0
    dovecot.append(wire(mail(message_id="<imap-3@example.com>")))
    third = imap_poll(account=account)
    assert third.stored == 1 and third.last_uid == 3
    assert Message.objects.filter(external_id="imap-1@example.com").count() == 1


def test_processed_mail_is_moved_to_a_folder(dovecot: Dovecot) -> None:
    account = _account(dovecot, processed="Vigil")
    dovecot.append(wire(mail(message_id="<move-1@example.com>")))
    assert imap_poll(account=account).stored == 1
    client = dovecot.client()
    try:
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
        assert client.select_folder("Vigil")[b"EXISTS"] == 1
    finally:
        client.logout()


def test_a_new_uidvalidity_starts_over(dovecot: Dovecot) -> None:
    account = _account(dovecot, processed="Vigil")
    dovecot.append(wire(mail(message_id="<before@example.com>")))
    imap_poll(account=account)
    # The server renumbered the folder: the stored cursor (a high UID) is meaningless now.
    MailboxState.objects.filter(account=account).update(uidvalidity=1, last_uid=999)
    dovecot.append(wire(mail(message_id="<after-renumbering@example.com>")))
    result = imap_poll(account=account)
    assert result.stored == 1 and result.last_uid < 999
    assert "after-renumbering@example.com" in _inbound_ids()


def test_watcher_uses_idle_and_stores_mail_as_it_arrives(dovecot: Dovecot) -> None:
    account = _account(dovecot, poll="600")  # without IDLE, nothing would arrive for 10 min
    stop = threading.Event()
    watcher = MailboxWatcher(account.pk, stop)
    watcher.thread.start()
    try:
        wait_for(lambda: watcher.passes >= 1, timeout=15)
        dovecot.append(wire(mail(message_id="<pushed@example.com>")))
        wait_for(
            lambda: Message.objects.filter(external_id="pushed@example.com").exists(), timeout=15
        )
    finally:
        stop.set()
        watcher.thread.join(15)
    assert not watcher.thread.is_alive()
