"""REST API: the caller, agents and teams."""

from __future__ import annotations

import pytest

from tests.api.conftest import Desk

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
