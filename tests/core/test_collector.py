"""Timed full garbage collections (vigil/core/collector.py)."""

from __future__ import annotations

import gc
import time
import weakref
from collections.abc import Iterator

import pytest

from vigil.core.collector import NEVER, TimedCollections


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()


def _old_cycle() -> weakref.ref[Node]:
    """A reference cycle promoted into the oldest generation, then dropped: only a full
    collection frees it."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    gc.collect(1)  # survivors of a middle-generation pass move to the oldest one
    assert gc.is_tracked(a)
    ref = weakref.ref(a)
    del a, b
    return ref


@pytest.mark.usefixtures("restored")
def test_full_passes_run_on_the_timer_and_free_old_cycles() -> None:
    collections = TimedCollections(every=0.05)
    collections.start()
    try:
        young, middle, oldest = gc.get_threshold()
        assert oldest == NEVER
        assert (young, middle) != (0, 0)  # the young generations are still Python's
        ref = _old_cycle()
        deadline = time.monotonic() + 10
        while ref() is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ref() is None
        assert collections.passes >= 1
    finally:
        collections.stop()


@pytest.mark.usefixtures("restored")
def test_stop_gives_python_its_policy_back() -> None:
    before = gc.get_threshold()
    collections = TimedCollections(every=60)
    collections.start()
    assert gc.get_threshold()[2] == NEVER
    collections.stop()
    assert gc.get_threshold() == before
    assert collections.passes == 0


@pytest.mark.usefixtures("restored")
def test_zero_keeps_the_automatic_full_pass() -> None:
    before = gc.get_threshold()
    collections = TimedCollections(every=0)
    collections.start()
    try:
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() > 0  # start-up's objects are frozen either way
    finally:
        collections.stop()


@pytest.mark.usefixtures("restored")
def test_collect_frees_a_cycle_now() -> None:
    ref = _old_cycle()
    assert TimedCollections(every=0).collect() >= 2
    assert ref() is None
