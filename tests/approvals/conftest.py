"""Fixtures for sensitive actions: a loopback exchange (a real HTTP server) and the desk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories.accounts import make_agent
from vigil.accounts.choices import Role
from vigil.accounts.models import Agent
from vigil.approvals.exchange_sim import ExchangeSim

SECRET = "loopback-exchange-secret-0123456789"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def exchange(settings: Any) -> Iterator[ExchangeSim]:
    sim = ExchangeSim(SECRET).start()
    settings.VIGIL_EXCHANGE_URL = sim.url
    settings.VIGIL_EXCHANGE_SECRET = SECRET
    settings.VIGIL_EXCHANGE_TIMEOUT = 1.0
    settings.VIGIL_EXCHANGE_BACKOFF = 0.05
    try:
        yield sim
    finally:
        sim.stop()


@dataclass
class People:
    tier1: Agent
    tier2: Agent
    tier3: Agent
    supervisor: Agent
    admin: Agent
    admin2: Agent


@pytest.fixture
def people(db: None) -> People:
    return People(
        tier1=make_agent(role=Role.TIER1, display_name="Tia One"),
        tier2=make_agent(role=Role.TIER2, display_name="Tom Two"),
        tier3=make_agent(role=Role.TIER3, display_name="Tess Three"),
        supervisor=make_agent(role=Role.SUPERVISOR, display_name="Sue Visor"),
        admin=make_agent(role=Role.ADMIN, display_name="Ada Min"),
        admin2=make_agent(role=Role.ADMIN, display_name="Abe Min"),
    )
