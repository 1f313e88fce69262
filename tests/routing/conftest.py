"""Fixtures of the routing tests."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.routing import chat_queue


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    """Agents by the dozen: a cheap password hasher (PBKDF2 takes most of a test's time)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frames(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, dict[str, Any]]]:
    """The queue frames sent to visitors, as (session id, frame), instead of sending them."""
    sent: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(
        chat_queue, "frame_send", lambda *, session_id, frame: sent.append((session_id, frame))
    )
    return sent
