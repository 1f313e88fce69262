"""IMAP mailboxes (Gmail, Exchange, any IMAP server). See docs/architecture.md#e-mail.

`imap_poll(account=...)` reads one pass: it selects the folder, compares UIDVALIDITY with the
stored `MailboxState` (a new value means the server renumbered the folder: start over, stored
mail is recognised by Message-ID), fetches every UID above the last one stored
(`BODY.PEEK[]`, so nothing is marked read before it is safe), stores each mail through
`email_receive` and only after that commit marks it processed: moved to the account's
processed folder (MOVE, or COPY + \\Deleted + UID EXPUNGE) or flagged `\\Seen` and
`$VigilProcessed`; then advances the cursor. A crash anywhere in between means the mail is
fetched again and recognised as already stored.

`MailboxWatcher` runs that in a thread for one account: IDLE where the server offers it
(re-issued every few minutes), else a poll every `poll_seconds`; reconnects with back-off.
Every `vigil run` process starts a watcher per mailbox, but a watcher only connects while it
holds the folder's lease (`mailbox_lease_take`, a conditional UPDATE of its `MailboxState`
row) and renews it every third of `LEASE_SECONDS` while it polls or idles; a watcher that
cannot renew (another took over after it stalled) disconnects. The others retry every third
of the lease, so when the holder stops (it releases the lease) or dies (the lease lapses)
another process takes over. Were two ever to overlap, nothing is stored twice: mail is
recognised by its Message-ID.
"""

from __future__ import annotations

import imaplib
import logging
import os
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Q
from django.utils import timezone
from imapclient import IMAPClient

from vigil.channels.email.accounts import email_account_secrets
from vigil.channels.email.services import email_receive
from vigil.channels.models import ChannelAccount, MailboxState
from vigil.core.errors import VigilError

logger = logging.getLogger(__name__)

PROCESSED_KEYWORD = "$VigilProcessed"
FAILED_KEYWORD = "$VigilFailed"
FETCH_BATCH = 20
IDLE_RENEW_SECONDS = 300.0
LEASE_SECONDS = 60.0


class LeaseLost(Exception):
    """Another process holds the mailbox's lease now: stop polling it."""


@dataclass(frozen=True, slots=True)
class PollResult:
    stored: int
    duplicates: int
    failed: int
    uidvalidity: int
    last_uid: int


def imap_connect(account: ChannelAccount, *, timeout: float = 30.0) -> IMAPClient:
    options: dict[str, Any] = account.settings.get("imap") or {}
    if not options.get("host"):
        raise VigilError(f"{account} has no IMAP mailbox", code="no_imap")
    secrets = email_account_secrets(account)
    context = ssl.create_default_context()
    client = IMAPClient(
        options["host"],
        port=int(options.get("port") or 993),
        ssl=bool(options.get("tls", True)),
        ssl_context=context,
        timeout=timeout,
    )
    if options.get("starttls") and not options.get("tls", True):
        client.starttls(context)
    client.login(secrets.get("imap_user", ""), secrets.get("imap_password", ""))
    return client


def _cursor(account: ChannelAccount, folder: str, uidvalidity: int) -> MailboxState:
    state, _ = MailboxState.objects.get_or_create(account=account, folder=folder)
    if state.uidvalidity != uidvalidity:
        if state.uidvalidity:
            logger.warning("%s %s: UIDVALIDITY changed, reading it again", account, folder)
        state.uidvalidity = uidvalidity
        state.last_uid = 0
        state.save(update_fields=["uidvalidity", "last_uid", "updated_at"])
    return state


def _advance(state: MailboxState, uid: int) -> None:
    MailboxState.objects.filter(pk=state.pk, last_uid__lt=uid).update(last_uid=uid)
    state.last_uid = max(state.last_uid, uid)


def _mark(client: IMAPClient, uid: int, processed_folder: str) -> None:
    if not processed_folder:
        client.add_flags([uid], [b"\\Seen", PROCESSED_KEYWORD.encode()])
        return
    if client.has_capability("MOVE"):
        client.move([uid], processed_folder)
        return
    client.copy([uid], processed_folder)
    client.add_flags([uid], [b"\\Seen", b"\\Deleted"])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])
    else:
        client.expunge()


def mailbox_lease_take(
    *, account: ChannelAccount, folder: str, owner: str, seconds: float = LEASE_SECONDS
) -> bool:
    """Take the lease on a folder, or renew it; True when `owner` holds it now. Free, held
    by `owner` already, or lapsed: one conditional UPDATE, so of several processes asking at
    once exactly one gets it."""
    MailboxState.objects.get_or_create(account=account, folder=folder)
    now = timezone.now()
    free = Q(lease_owner="") | Q(lease_owner=owner) | Q(lease_expires_at__isnull=True)
    taken = (
        MailboxState.objects.filter(account=account, folder=folder)
        .filter(free | Q(lease_expires_at__lt=now))
        .update(lease_owner=owner, lease_expires_at=now + timedelta(seconds=seconds))
    )
    return taken == 1


def mailbox_lease_release(*, account: ChannelAccount, folder: str, owner: str) -> None:
    """Give the lease up (if `owner` still holds it) so another process takes over now."""
    MailboxState.objects.filter(account=account, folder=folder, lease_owner=owner).update(
        lease_owner="", lease_expires_at=None
    )


def imap_poll(
    *,
    account: ChannelAccount,
    client: IMAPClient | None = None,
    keep: Callable[[], None] | None = None,
) -> PollResult:
    """Store every new mail of the account's folder once; see the module docstring. `keep`
    is called before each mail (the watcher renews its lease there, and raises LeaseLost
    when it cannot)."""
    options: dict[str, Any] = account.settings.get("imap") or {}
    folder = options.get("folder") or "INBOX"
    processed = options.get("processed_folder") or ""
    own = client is None
    client = client or imap_connect(account)
    try:
        if processed and not client.folder_exists(processed):
            client.create_folder(processed)
        info = client.select_folder(folder)
        state = _cursor(account, folder, int(info[b"UIDVALIDITY"]))
        criteria: list[Any] = ["UID", f"{state.last_uid + 1}:*"]
        if not processed:
            criteria += ["UNKEYWORD", PROCESSED_KEYWORD]
        uids = sorted(uid for uid in client.search(criteria) if uid > state.last_uid)
        counts = {"stored": 0, "duplicates": 0, "failed": 0}
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
            for uid in batch:
                raw = (fetched.get(uid) or {}).get(b"BODY[]")
                if raw is None:  # expunged meanwhile
                    _advance(state, uid)
                    continue
                if keep is not None:
                    keep()
                outcome = _store_one(account, client, uid, bytes(raw), processed)
                counts[outcome] += 1
                _advance(state, uid)
        return PollResult(uidvalidity=state.uidvalidity, last_uid=state.last_uid, **counts)
    finally:
        if own:
            _logout(client)


def _store_one(
    account: ChannelAccount, client: IMAPClient, uid: int, raw: bytes, processed: str
) -> str:
    try:
        received = email_receive(account=account, raw=raw, via="imap")
    except VigilError as exc:
        # Refused for good (not a storage failure): leave it in the mailbox, flagged.
        logger.error("%s UID %s refused: %s", account, uid, exc.message)
        client.add_flags([uid], [FAILED_KEYWORD.encode()])
        return "failed"
    _mark(client, uid, processed)
    return "duplicates" if received.duplicate else "stored"


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone
        logger.debug("IMAP logout failed", exc_info=True)


class MailboxWatcher:
    """One account's mailbox, watched in a thread until `stop` is set, while this watcher
    holds the mailbox's lease (see the module docstring)."""

    def __init__(
        self, account_id: int, stop: threading.Event, *, lease_seconds: float = LEASE_SECONDS
    ) -> None:
        self.account_id = account_id
        self.stop = stop
        self.lease_seconds = lease_seconds
        self.owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.thread = threading.Thread(
            target=self.run, name=f"vigil-imap-{account_id}", daemon=True
        )
        self.passes = 0
        self.holds_lease = False
        self._account: ChannelAccount | None = None
        self._folder = "INBOX"
        self._renewed = 0.0

    def run(self) -> None:
        backoff = 5.0
        try:
            while not self.stop.is_set():
                failed = False
                try:
                    if self._lease_take():
                        self._session()
                except LeaseLost:
                    logger.info("IMAP watcher %s: another process took over", self.account_id)
                except DatabaseError:
                    logger.exception("IMAP watcher %s: database error", self.account_id)
                    connection.close()
                    failed = True
                except (OSError, imaplib.IMAP4.error, VigilError) as exc:
                    logger.warning(
                        "IMAP watcher %s: %s: %s; retrying in %.0f s",
                        self.account_id,
                        type(exc).__name__,
                        exc,
                        backoff,
                    )
                    failed = True
                except Exception:
                    logger.exception("IMAP watcher %s: mailbox error", self.account_id)
                    failed = True
                # Not the holder (or no longer): ask again after a third of the lease.
                if self.stop.wait(backoff if failed else self.lease_seconds / 3):
                    break
                backoff = min(backoff * 2, 300.0) if failed else 5.0
        finally:
            self._lease_release()
            close_old_connections()
            connection.close()

    def _lease_take(self) -> bool:
        account = ChannelAccount.objects.get(pk=self.account_id)
        options: dict[str, Any] = account.settings.get("imap") or {}
        self._account, self._folder = account, options.get("folder") or "INBOX"
        self.holds_lease = mailbox_lease_take(
            account=account, folder=self._folder, owner=self.owner, seconds=self.lease_seconds
        )
        self._renewed = time.monotonic()
        return self.holds_lease

    def _lease_keep(self) -> None:
        """Renew the lease when a third of it has passed; LeaseLost if it was taken."""
        if time.monotonic() - self._renewed < self.lease_seconds / 3:
            return
        if not self._lease_take():
            raise LeaseLost(self.owner)

    def _lease_release(self) -> None:
        if not self.holds_lease or self._account is None:
            return
        self.holds_lease = False
        try:
            mailbox_lease_release(account=self._account, folder=self._folder, owner=self.owner)
        except DatabaseError:  # it lapses on its own
            logger.warning("IMAP watcher %s: could not release its lease", self.account_id)

    def _session(self) -> None:
        account = self._account or ChannelAccount.objects.get(pk=self.account_id)
        options: dict[str, Any] = account.settings.get("imap") or {}
        client = imap_connect(account)
        try:
            use_idle = bool(options.get("idle", True)) and client.has_capability("IDLE")
            while not self.stop.is_set():
                imap_poll(account=account, client=client, keep=self._lease_keep)
                self.passes += 1
                if use_idle:
                    self._idle(client)
                elif self._sleep(float(options.get("poll_seconds") or 60)):
                    return
                else:
                    client.noop()
                self._lease_keep()
        finally:
            _logout(client)

    def _sleep(self, seconds: float) -> bool:
        """Wait between polls, renewing the lease; True when asked to stop."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.stop.wait(min(left, self.lease_seconds / 3)):
                return True
            self._lease_keep()
        return False

    def _idle(self, client: IMAPClient) -> None:
        """Wait in IDLE until the server announces mail, the renewal time, or stop."""
        client.idle()
        try:
            deadline = time.monotonic() + IDLE_RENEW_SECONDS
            while not self.stop.is_set() and time.monotonic() < deadline:
                responses = client.idle_check(timeout=1)
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    return
                self._lease_keep()
        finally:
            client.idle_done()
