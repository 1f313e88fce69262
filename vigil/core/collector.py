"""The cyclic garbage collector of a serving process: full collections on a timer.

See docs/architecture.md#garbage-collection. Python collects its oldest generation whenever
the objects promoted into it since the last full pass reach a quarter of those it holds. A
server with a thousand chat sockets keeps ~190,000 tracked objects alive (their consumers,
tasks, queues), and every message promotes a few dozen short-lived ones (the futures a socket
waits on), so CPython walked the whole heap every 5-10 s, holding the GIL for 80-100 ms each
time. bench.chat_load traced two thirds of its slowest messages to the second after such a
pass: a transaction paused while holding SQLite's writer lock, and every writer queued
behind it.

`TimedCollections` (started by `vigil run`) instead:

- freezes what start-up allocated (Django, the URL conf, the models), which no pass needs to
  walk again;
- leaves the young generations to Python as before (they free the cycles that die young:
  most of them, in pauses of about a millisecond);
- switches off the automatic full pass and runs it every `VIGIL_GC_FULL_EVERY` seconds
  instead (default 300; 0 keeps Python's own policy). Between passes, cycles that outlived
  two young collections wait for the next pass: bounded by the interval (bench.chat_load at
  a thousand chats and 100 messages a second: ~10,000 objects, ~2 MB, a minute).
"""

from __future__ import annotations

import gc
import logging
import threading
import time

logger = logging.getLogger(__name__)

# The oldest generation's threshold counts collections of the middle one; no serving process
# makes this many between two timed passes.
NEVER = 1 << 30


class TimedCollections:
    """A `vigil run` background service (vigil/core/server.py): see the module docstring."""

    def __init__(self, *, every: float) -> None:
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._threshold: tuple[int, int, int] | None = None
        self.passes = 0

    def start(self) -> None:
        gc.freeze()  # start-up is done: its objects are never garbage
        if self.every <= 0:
            return
        self._threshold = gc.get_threshold()
        young, middle, _ = self._threshold
        gc.set_threshold(young, middle, NEVER)
        self._thread = threading.Thread(target=self._run, name="vigil-gc", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.collect()

    def collect(self) -> int:
        """One full pass now; returns the objects it freed."""
        started = time.perf_counter()
        freed = gc.collect()
        self.passes += 1
        logger.debug(
            "full collection: %d objects freed in %.1f ms",
            freed,
            (time.perf_counter() - started) * 1000,
        )
        return freed

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            self._threshold = None
