# ruff: noqa: F811 - pytest fixtures are imported by name
"""The IMAP poller against a real Dovecot on loopback."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.channels.email.dovecot import PASSWORD, Dovecot, dovecot  # noqa: F401 - fixture
from tests.channels.email.transport import mail, wait_for, wire
from vigil.channels.email.accounts import email_account_create, email_account_secrets
from vigil.channels.email.imap import (
    PROCESSED_KEYWORD,
    MailboxWatcher,
    imap_poll,
    mailbox_lease_release,
    mailbox_lease_take,
)
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


def test_mailbox_lease_has_one_holder_until_it_lapses_or_is_released() -> None:
    account, _ = email_account_create(address="support@vigil.test")
    assert mailbox_lease_take(account=account, folder="INBOX", owner="a", seconds=60)
    assert not mailbox_lease_take(account=account, folder="INBOX", owner="b", seconds=60)
    assert mailbox_lease_take(account=account, folder="INBOX", owner="a", seconds=60)  # renew
    assert mailbox_lease_take(account=account, folder="Other", owner="b", seconds=60)
    # a lapses (its process died): b takes over, and a can no longer renew
    MailboxState.objects.filter(folder="INBOX").update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert mailbox_lease_take(account=account, folder="INBOX", owner="b", seconds=60)
    assert not mailbox_lease_take(account=account, folder="INBOX", owner="a", seconds=60)
    mailbox_lease_release(account=account, folder="INBOX", owner="a")  # not a's to release
    assert MailboxState.objects.get(folder="INBOX").lease_owner == "b"
    mailbox_lease_release(account=account, folder="INBOX", owner="b")
    assert mailbox_lease_take(account=account, folder="INBOX", owner="a", seconds=60)


def test_two_processes_watch_a_mailbox_one_at_a_time(dovecot: Dovecot) -> None:
    """Two `vigil run` processes each start a watcher: one polls, the other waits, and takes
    over when the first stops."""
    account = _account(dovecot, poll="600")
    stops = [threading.Event(), threading.Event()]
    first, second = (MailboxWatcher(account.pk, s, lease_seconds=1.5) for s in stops)
    first.thread.start()
    try:
        wait_for(lambda: first.passes >= 1, timeout=15)
        second.thread.start()
        time.sleep(2.5)  # several of the second's attempts (every 0.5 s) and renewals
        assert second.passes == 0 and not second.holds_lease
        dovecot.append(wire(mail(message_id="<leased-1@example.com>")))
        wait_for(lambda: "leased-1@example.com" in _inbound_ids(), timeout=15)
        stops[0].set()
        first.thread.join(15)
        wait_for(lambda: second.passes >= 1, timeout=15)
        dovecot.append(wire(mail(message_id="<leased-2@example.com>")))
        wait_for(lambda: "leased-2@example.com" in _inbound_ids(), timeout=15)
    finally:
        for stop in stops:
            stop.set()
        for watcher in (first, second):
            if watcher.thread.ident is not None:  # started
                watcher.thread.join(15)
    assert _inbound_ids() == ["leased-1@example.com", "leased-2@example.com"]
    assert MailboxState.objects.get(account=account).lease_owner == ""  # released on stop


def test_lease_of_a_dead_process_is_taken_over_when_it_lapses(dovecot: Dovecot) -> None:
    account = _account(dovecot, poll="600")
    MailboxState.objects.create(
        account=account,
        folder="INBOX",
        lease_owner="gone-host:4242:deadbeef",
        lease_expires_at=timezone.now() + timedelta(seconds=2),
    )
    stop = threading.Event()
    watcher = MailboxWatcher(account.pk, stop, lease_seconds=1.5)
    started = time.monotonic()
    watcher.thread.start()
    try:
        time.sleep(1.0)
        assert watcher.passes == 0  # the dead process's lease still runs
        wait_for(lambda: watcher.passes >= 1, timeout=15)
        assert time.monotonic() - started >= 1.9
    finally:
        stop.set()
        watcher.thread.join(15)
