"""Test set-up shared by the whole suite.

The suite runs against whatever database and channel layer the environment names: SQLite and
the in-memory layer by default, PostgreSQL and Redis when VIGIL_DATABASE_URL and
VIGIL_REDIS_URL are set (`make test` does both). Services that a test needs but cannot reach
fail the test in CI and skip it elsewhere.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.utils import translation

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            return True
    except OSError:
        return False


def require(condition: bool, why: str) -> None:
    """Fail in CI, skip elsewhere, when a real service the test needs is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{why} (CI must not skip this)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("VIGIL_REDIS_URL") or os.environ.get(
        "VIGIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
    )
    require(_reachable(url), f"Redis is not reachable at {url}")
    return url


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def run_tasks() -> Callable[[], int]:
    """Run every task that is due, as the worker would; returns how many ran."""
    from vigil.core.worker import run_due_tasks

    return run_due_tasks


@pytest.fixture(autouse=True)
def _chat_queue_inline(settings: Any) -> None:
    """A queue change's pass runs inline on commit and agent counts are never reused, so a
    test sees every change at once; the tests of coalescing and reuse turn them back on."""
    settings.VIGIL_CHAT_DISPATCH_S = 0
    settings.VIGIL_CHAT_COUNTS_TTL_S = 0


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A test that activates a language (a console page in 日本語, a Chinese widget) must not
    leave it active for the next test in the same thread."""
    yield
    translation.deactivate()
