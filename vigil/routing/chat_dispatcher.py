"""Coalesced queue passes: many queue changes, one offering-and-frames pass per language.

See docs/architecture.md#queue-and-expected-wait. Every chat start, offer, accept, decline and
end asks for a pass (`chat_queue.chat_dispatch_soon`); run inline each would re-offer and
re-rank the whole queue, quadratic while the queue is long. Here a request only marks the
language; a daemon thread per process (like core.broadcast's loop thread) waits
`settings.VIGIL_CHAT_DISPATCH_S` after the first mark, then runs one pass per marked language.
Each process passes for what it saw; claims are atomic, and the periodic `expire_chat_offers`
job still passes every language every 5 s. A delay of 0 runs the pass inline (the tests).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

DEFAULT_DELAY_S = 0.2


def dispatch_delay() -> float:
    return float(getattr(settings, "VIGIL_CHAT_DISPATCH_S", DEFAULT_DELAY_S))


class ChatDispatcher:
    """Languages marked since the last pass, and the thread that passes them."""

    def __init__(self, run: Callable[[str], None]) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._pending: dict[str, None] = {}  # insertion-ordered set
        self._wake = threading.Event()
        self._pid: int | None = None
        self.passes = 0  # passes run by this process (tests, diagnostics)

    def mark(self, language: str) -> None:
        """Ask for a pass over `language`: inline when the delay is 0, else within it."""
        if dispatch_delay() <= 0:
            self._pass(language)
            return
        with self._lock:
            self._pending[language] = None
            if self._pid != os.getpid():  # first use, or a forked child: a thread of its own
                self._pid = os.getpid()
                threading.Thread(target=self._loop, name="vigil-chat-dispatch", daemon=True).start()
        self._wake.set()

    def run_pending(self) -> int:
        """One pass per marked language; returns how many."""
        with self._lock:
            languages, self._pending = list(self._pending), {}
        for language in languages:
            self._pass(language)
        return len(languages)

    def _pass(self, language: str) -> None:
        self.passes += 1
        self._run(language)

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(dispatch_delay())  # let the burst gather
            self._wake.clear()  # marks from here on wake the next pass
            close_old_connections()
            try:
                self.run_pending()
            except Exception:  # the periodic job passes again within seconds
                logger.exception("chat queue pass failed")
            finally:
                close_old_connections()


def _queue_changed(language: str) -> None:
    from vigil.routing.chat_queue import chat_queue_changed

    chat_queue_changed(language=language)


dispatcher = ChatDispatcher(_queue_changed)
