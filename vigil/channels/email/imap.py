"""IMAP mailboxes (Gmail, Exchange, any IMAP server). See docs/architecture.md#channels.

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
"""

from __future__ import annotations

import imaplib
import logging
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, close_old_connections, connection
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


def imap_poll(*, account: ChannelAccount, client: IMAPClient | None = None) -> PollResult:
    """Store every new mail of the account's folder once; see the module docstring."""
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
    """One account's mailbox, watched in a thread until `stop` is set."""

    def __init__(self, account_id: int, stop: threading.Event) -> None:
        self.account_id = account_id
        self.stop = stop
        self.thread = threading.Thread(
            target=self.run, name=f"vigil-imap-{account_id}", daemon=True
        )
        self.passes = 0

    def run(self) -> None:
        backoff = 5.0
        while not self.stop.is_set():
            try:
                self._session()
                backoff = 5.0
            except DatabaseError:
                logger.exception("IMAP watcher %s: database error", self.account_id)
                connection.close()
            except (OSError, imaplib.IMAP4.error, VigilError) as exc:
                logger.warning(
                    "IMAP watcher %s: %s: %s; retrying in %.0f s",
                    self.account_id,
                    type(exc).__name__,
                    exc,
                    backoff,
                )
            except Exception:
                logger.exception("IMAP watcher %s: mailbox error", self.account_id)
            if self.stop.wait(backoff):
                break
            backoff = min(backoff * 2, 300.0)
        close_old_connections()
        connection.close()

    def _session(self) -> None:
        account = ChannelAccount.objects.get(pk=self.account_id)
        options: dict[str, Any] = account.settings.get("imap") or {}
        client = imap_connect(account)
        try:
            use_idle = bool(options.get("idle", True)) and client.has_capability("IDLE")
            while not self.stop.is_set():
                imap_poll(account=account, client=client)
                self.passes += 1
                if use_idle:
                    self._idle(client)
                elif self.stop.wait(float(options.get("poll_seconds") or 60)):
                    return
                else:
                    client.noop()
        finally:
            _logout(client)

    def _idle(self, client: IMAPClient) -> None:
        """Wait in IDLE until the server announces mail, the renewal time, or stop."""
        client.idle()
        try:
            deadline = time.monotonic() + IDLE_RENEW_SECONDS
            while not self.stop.is_set() and time.monotonic() < deadline:
                responses = client.idle_check(timeout=1)
                if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                    return
        finally:
            client.idle_done()
