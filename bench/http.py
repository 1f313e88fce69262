"""The HTTP half of the benchmark: the same lists and views through Django's full request path.

See bench/README.md. Django's test client runs middleware, authentication, the view and the
serializer in process, without a socket; it keeps the database connection open between
requests, as a pooled or persistent connection would. The REST API authenticates with an API
token (Authorization: Bearer), the console with a session.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.test import Client

from bench.scenarios import Case, summary, timed
from vigil.accounts.models import Agent
from vigil.accounts.services import api_token_create
from vigil.tickets.choices import PRIORITY_BY_NAME

API = "/api/v1"


def _get(client: Client, url: str, **headers: Any):
    response = client.get(url, headers=headers)
    if response.status_code != 200:
        raise AssertionError(f"GET {url}: {response.status_code} {response.content[:300]!r}")
    return response


def _console_params(params: dict[str, str]) -> dict[str, str]:
    """The console names priorities by number, the API by name."""
    out = dict(params)
    if "priority" in out:
        out["priority"] = str(int(PRIORITY_BY_NAME[out["priority"]]))
    return out


def api_rows(
    agent: Agent,
    who: str,
    deep: dict[str, tuple[str | None, int]],
    cases: list[Case],
    view_ids: list[int],
    search: str,
    repeat: int,
) -> list[dict]:
    """Time GET /api/v1/tickets for every case (first and deep page), search and ticket view."""
    _, token = api_token_create(agent=agent, name="bench")
    client, auth = Client(), {"Authorization": f"Bearer {token}"}
    rows: list[dict] = []
    for case in cases:
        url = f"{API}/tickets?{urlencode(case.params)}"
        first, q_first = timed(lambda u=url: _get(client, u, **auth), repeat)
        rows.append(summary(f"{who} inbox {case.name} first", "api", first, q_first))
        cursor, depth = deep[case.name]
        deep_url = f"{url}&{urlencode({'cursor': cursor})}" if cursor else url
        body = _get(client, deep_url, **auth).json()
        assert body["items"], f"{deep_url} is empty"
        samples, q_deep = timed(lambda u=deep_url: _get(client, u, **auth), repeat)
        problem = (
            f"{who} {case.name} (api): deep page makes {q_deep} queries, first {q_first}"
            if q_deep != q_first
            else ""
        )
        rows.append(
            summary(
                f"{who} inbox {case.name} page {depth}", "api", samples, q_deep, problem=problem
            )
        )
    url = f"{API}/tickets?{urlencode({'q': search})}"
    assert _get(client, url, **auth).json()["items"], f"{url} finds nothing"
    samples, queries = timed(lambda: _get(client, url, **auth), repeat)
    rows.append(summary(f"{who} search by reference", "api", samples, queries))
    turn = iter(range(10**9))

    def view() -> None:
        ticket_id = view_ids[next(turn) % len(view_ids)]
        _get(client, f"{API}/tickets/{ticket_id}", **auth)
        _get(client, f"{API}/messages?ticket={ticket_id}", **auth)

    samples, queries = timed(view, repeat)
    rows.append(summary(f"{who} ticket view (2 requests)", "api", samples, queries))
    return rows


def console_rows(
    agent: Agent,
    who: str,
    deep: dict[str, tuple[str | None, int]],
    cases: list[Case],
    view_ids: list[int],
    repeat: int,
) -> list[dict]:
    """Time the console's inbox (results fragment, "load more" rows) and ticket page."""
    client = Client()
    client.force_login(agent.user)
    htmx = {"HX-Request": "true"}
    rows: list[dict] = []
    for case in cases:
        params = _console_params(case.params)
        url = f"/?{urlencode(params)}"
        first, q_first = timed(lambda u=url: _get(client, u, **htmx), repeat)
        rows.append(summary(f"{who} inbox {case.name} first", "console", first, q_first))
        cursor, depth = deep[case.name]
        if cursor is None:
            continue
        more = f"/?{urlencode({**params, 'cursor': cursor})}"
        samples, q_more = timed(lambda u=more: _get(client, u, **htmx), repeat)
        rows.append(summary(f"{who} inbox {case.name} page {depth}", "console", samples, q_more))
    full, q_full = timed(lambda: _get(client, "/"), repeat)
    rows.append(summary(f"{who} inbox full page", "console", full, q_full))
    turn = iter(range(10**9))
    samples, queries = timed(
        lambda: _get(client, f"/tickets/{view_ids[next(turn) % len(view_ids)]}/"), repeat
    )
    rows.append(summary(f"{who} ticket view", "console", samples, queries))
    return rows
