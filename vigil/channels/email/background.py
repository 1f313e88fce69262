"""The e-mail channel's background service inside `vigil run`. See
docs/architecture.md#entry-points.

One start/stop pair for the server: the SMTP listener (`--smtp-port`, default 2525; 0 turns
it off) and one IMAP watcher thread per active support account with a mailbox, re-read every
minute so accounts added with `vigil channel add-email` are picked up without a restart.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

from vigil.channels.choices import ChannelKind
from vigil.channels.email.imap import MailboxWatcher
from vigil.channels.email.smtp import DEFAULT_PORT, SMTPListener
from vigil.channels.models import ChannelAccount
from vigil.core.server import ListenError

logger = logging.getLogger(__name__)

RESCAN_SECONDS = 60.0


class MailboxWatchers:
    """Keeps one MailboxWatcher per active e-mail account that has an IMAP mailbox."""

    def __init__(self, *, rescan: float = RESCAN_SECONDS) -> None:
        self.rescan = rescan
        self._stop = threading.Event()
        self._watchers: dict[int, tuple[MailboxWatcher, threading.Event]] = {}
        self._thread = threading.Thread(target=self._run, name="vigil-imap", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _wanted(self) -> set[int]:
        accounts = ChannelAccount.objects.filter(kind=ChannelKind.EMAIL, is_active=True)
        return {a.pk for a in accounts if (a.settings or {}).get("imap", {}).get("host")}

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.sync(self._wanted())
            except Exception:
                logger.exception("IMAP watchers: cannot read the accounts")
                connection.close()
            close_old_connections()
            if self._stop.wait(self.rescan):
                break
        connection.close()

    def sync(self, wanted: set[int]) -> None:
        for pk in set(self._watchers) - wanted:
            watcher, stop = self._watchers.pop(pk)
            stop.set()
        for pk in wanted - set(self._watchers):
            stop = threading.Event()
            watcher = MailboxWatcher(pk, stop)
            self._watchers[pk] = (watcher, stop)
            watcher.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        for _, stop in self._watchers.values():
            stop.set()
        self._thread.join(timeout)
        for watcher, _ in self._watchers.values():
            watcher.thread.join(timeout)


class EmailChannelService:
    """What `vigil run` starts for e-mail: SMTP listener and IMAP watchers."""

    def __init__(self, *, host: str, smtp_port: int | None) -> None:
        """`smtp_port` None: the default port, skipped with a warning when busy; 0: no SMTP
        listener (IMAP mailboxes are still watched); else that port or a start-up error."""
        self.explicit_port = smtp_port is not None
        self.smtp_enabled = smtp_port != 0
        self.smtp = SMTPListener(host=host, port=DEFAULT_PORT if smtp_port is None else smtp_port)
        self.watchers = MailboxWatchers()
        self._smtp_started = False

    def start(self) -> None:
        if self.smtp_enabled:
            self._start_smtp()
        self.watchers.start()

    def _start_smtp(self) -> None:
        try:
            self.smtp.start()
            self._smtp_started = True
            print(f"SMTP listener on {self.smtp.host}:{self.smtp.port}", flush=True)
        except OSError as exc:
            if self.explicit_port:
                raise ListenError(
                    f"cannot listen for SMTP on {self.smtp.host}:{self.smtp.requested_port}: "
                    f"{exc.strerror or exc}"
                ) from None
            logger.warning(
                "SMTP listener not started: port %s is busy (%s); use --smtp-port",
                self.smtp.requested_port,
                exc.strerror or exc,
            )

    def stop(self, timeout: float = 5.0) -> None:
        self.watchers.stop(timeout)
        if self._smtp_started:
            self.smtp.stop(timeout)
