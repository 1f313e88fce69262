"""Fixtures for the REST API tests: agents in two teams, their tokens, and a JSON client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.factories.accounts import make_agent, make_team
from tests.factories.tickets import ingest
from vigil.accounts.choices import Role
from vigil.accounts.models import Agent, Team
from vigil.accounts.services import api_token_create
from vigil.tickets.models import Ticket
from vigil.tickets.services import ticket_update

API = "/api/v1"


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str]


class ApiClient:
    """Django's test client speaking JSON with a bearer token (or none)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
    ) -> Response:
        data: Any = raw if raw is not None else (json.dumps(body) if body is not None else None)
        call = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if method.upper() in {"GET", "DELETE"}:
            if params is not None:
                kwargs["data"] = params
        elif data is not None:
            kwargs["data"] = data
            kwargs["content_type"] = content_type
        response = call(API + path, **kwargs)
        ctype = response.get("Content-Type", "")
        if ctype.startswith("application/json"):
            payload: Any = json.loads(response.content)
        else:
            payload = (
                b"".join(response.streaming_content) if response.streaming else (response.content)
            )
        return Response(response.status_code, payload, dict(response.headers))

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any) -> Response:
        return self.request("GET", path, params=params, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.request("PATCH", path, body, **kw)


@dataclass
class Desk:
    team_a: Team
    team_b: Team
    agent_a: Agent  # tier 2 in team A
    agent_b: Agent  # tier 2 in team B
    supervisor: Agent
    api_a: ApiClient
    api_b: ApiClient
    api_sup: ApiClient


def client_for(agent: Agent) -> ApiClient:
    _, token = api_token_create(agent=agent, name="tests")
    return ApiClient(token)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Agents get passwords; the production hasher's cost is not what these tests measure."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def desk(db: None) -> Desk:
    team_a = make_team(name="Team A")
    team_b = make_team(name="Team B", languages=("zh-hans",))
    agent_a = make_agent(email="a@desk.test", display_name="Alice", teams=(team_a,))
    agent_b = make_agent(
        email="b@desk.test", display_name="Bo", teams=(team_b,), languages=("zh-hans",)
    )
    supervisor = make_agent(email="sup@desk.test", display_name="Sue", role=Role.SUPERVISOR)
    return Desk(
        team_a,
        team_b,
        agent_a,
        agent_b,
        supervisor,
        client_for(agent_a),
        client_for(agent_b),
        client_for(supervisor),
    )


def ticket_in(team: Team | None, **overrides: Any) -> Ticket:
    """A ticket opened by an inbound message, then moved to `team`."""
    result = ingest(**overrides)
    ticket = result.ticket
    if team is not None:
        ticket = ticket_update(ticket=ticket, actor=None, team=team)
    return ticket
