"""Fixtures of the routing tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    """Agents by the dozen: a cheap password hasher (PBKDF2 takes most of a test's time)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
