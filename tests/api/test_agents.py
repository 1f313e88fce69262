"""REST API: the caller, agents and teams."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import Desk
from tests.factories.accounts import make_agent

pytestmark = pytest.mark.django_db


def test_me_is_the_tokens_agent(desk: Desk) -> None:
    me = desk.api_a.get("/me")
    assert me.status == 200
    assert me.body["id"] == desk.agent_a.pk
    assert me.body["email"] == "a@desk.test"
    assert me.body["teams"] == [{"id": desk.team_a.pk, "name": "Team A"}]
    assert me.body["sees_whole_desk"] is False
    assert desk.api_sup.get("/me").body["sees_whole_desk"] is True


def test_agents_and_teams(desk: Desk) -> None:
    agents = desk.api_a.get("/agents")
    assert agents.status == 200
    assert [a["display_name"] for a in agents.body] == ["Alice", "Bo", "Sue"]
    bo = agents.body[1]
    assert (bo["role"], bo["languages"], bo["teams"]) == (
        "tier2",
        ["zh-hans"],
        [{"id": desk.team_b.pk, "name": "Team B"}],
    )
    teams = desk.api_a.get("/teams")
    assert [(t["name"], t["languages"]) for t in teams.body] == [
        ("Team A", ["en"]),
        ("Team B", ["zh-hans"]),
    ]


def test_agent_list_query_count_does_not_grow_with_agents(desk: Desk) -> None:
    desk.api_a.get("/agents")
    with CaptureQueriesContext(connection) as few:
        assert len(desk.api_a.get("/agents").body) == 3
    for n in range(6):
        make_agent(email=f"more{n}@desk.test", teams=(desk.team_a, desk.team_b))
    with CaptureQueriesContext(connection) as many:
        assert len(desk.api_a.get("/agents").body) == 9
    assert len(few) == len(many) <= 4, [q["sql"] for q in many.captured_queries]
