"""REST API: teams, skills, routing rules, team assignment settings, presence, next ticket."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import Desk, client_for, ticket_in
from tests.factories.accounts import make_agent, make_team
from vigil.accounts.choices import Role
from vigil.accounts.models import Agent, Team
from vigil.routing.models import RoutingRule

pytestmark = pytest.mark.django_db


def _rule(desk: Desk, **fields: Any) -> dict[str, Any]:
    body = {"name": "zh", "team_id": desk.team_b.pk, "languages": ["zh-hans"], **fields}
    response = desk.api_sup.post("/routing/rules", body)
    assert response.status == 201, response.body
    return dict(response.body)


def test_tier_agents_cannot_edit_rules_teams_or_skills(desk: Desk) -> None:
    tier1 = client_for(make_agent(role=Role.TIER1, teams=(desk.team_a,)))
    rule = _rule(desk)
    attempts = [
        tier1.post("/routing/rules", {"name": "x", "team_id": desk.team_a.pk}),
        tier1.patch(f"/routing/rules/{rule['id']}", {"enabled": False}),
        tier1.request("PUT", "/routing/rules/order", {"rule_ids": [rule["id"]]}),
        tier1.request("DELETE", f"/routing/rules/{rule['id']}"),
        tier1.request("PUT", f"/teams/{desk.team_a.pk}/routing", {"strategy": "pull"}),
        tier1.post("/teams", {"name": "Mine"}),
        tier1.patch(f"/teams/{desk.team_a.pk}", {"languages": ["ja"]}),
        tier1.patch(f"/agents/{desk.agent_a.pk}/skills", {"capacity": 50}),
        desk.api_a.patch(f"/agents/{desk.agent_a.pk}/skills", {"capacity": 50}),  # tier 2
    ]
    assert [r.status for r in attempts] == [403] * len(attempts)
    assert {r.body["code"] for r in attempts} == {"forbidden"}
    assert RoutingRule.objects.get().enabled
    assert not Team.objects.filter(name="Mine").exists()
    assert tier1.get("/routing/rules").status == 200  # reading is open


def test_rules_add_edit_reorder_enable(desk: Desk) -> None:
    first = _rule(desk)
    second = _rule(desk, name="security", categories=["security"], set_priority=4, languages=[])
    assert (first["position"], second["position"]) == (0, 1)
    changed = desk.api_sup.patch(f"/routing/rules/{first['id']}", {"enabled": False})
    assert changed.status == 200 and changed.body["enabled"] is False
    order = desk.api_sup.request(
        "PUT", "/routing/rules/order", {"rule_ids": [second["id"], first["id"]]}
    )
    assert [r["name"] for r in order.body] == ["security", "zh"]
    bad = desk.api_sup.patch(f"/routing/rules/{first['id']}", {"categories": ["nonsense"]})
    assert bad.status == 422
    partial = desk.api_sup.request("PUT", "/routing/rules/order", {"rule_ids": [first["id"]]})
    assert partial.status == 422
    assert desk.api_sup.request("DELETE", f"/routing/rules/{first['id']}").status == 204
    assert [r["name"] for r in desk.api_a.get("/routing/rules").body] == ["security"]


def test_teams_members_fallback_and_routing(desk: Desk) -> None:
    made = desk.api_sup.post(
        "/teams",
        {
            "name": "Taiwan",
            "languages": ["zh-hant"],
            "categories": ["withdrawal"],
            "fallback_id": desk.team_b.pk,
            "member_ids": [desk.agent_b.pk],
        },
    )
    assert made.status == 201, made.body
    body = made.body
    assert body["fallback"] == {"id": desk.team_b.pk, "name": "Team B"}
    assert [m["id"] for m in body["members"]] == [desk.agent_b.pk]
    assert body["routing"]["strategy"] == "least_loaded"
    assert desk.api_sup.post("/teams", {"name": "Taiwan"}).status == 409
    loop = desk.api_sup.patch(f"/teams/{desk.team_b.pk}", {"fallback_id": body["id"]})
    assert loop.status == 422  # Team B -> Taiwan -> Team B
    cleared = desk.api_sup.patch(f"/teams/{body['id']}", {"fallback_id": None})
    assert cleared.body["fallback"] is None and cleared.body["languages"] == ["zh-hant"]
    routed = desk.api_sup.request(
        "PUT", f"/teams/{body['id']}/routing", {"strategy": "pull", "return_after_minutes": 5}
    )
    assert routed.body["routing"] == {
        "strategy": "pull",
        "sticky": True,
        "return_after_minutes": 5,
    }


def test_skills(desk: Desk) -> None:
    response = desk.api_sup.patch(
        f"/agents/{desk.agent_a.pk}/skills",
        {
            "languages": ["en", "ja"],
            "categories": ["kyc"],
            "role": "tier3",
            "capacity": 8,
            "chat_capacity": 2,
            "timezone": "Asia/Tokyo",
        },
    )
    assert response.status == 200, response.body
    agent = Agent.objects.get(pk=desk.agent_a.pk)
    assert (agent.languages, agent.categories, agent.role) == (["en", "ja"], ["kyc"], "tier3")
    assert (agent.capacity, agent.chat_capacity, agent.timezone) == (8, 2, "Asia/Tokyo")
    up = desk.api_sup.patch(f"/agents/{desk.agent_a.pk}/skills", {"role": "admin"})
    assert up.status == 403  # not above one's own role
    tz = desk.api_sup.patch(f"/agents/{desk.agent_a.pk}/skills", {"timezone": "Mars/Base"})
    assert tz.status == 422


def test_presence_and_next_ticket(desk: Desk) -> None:
    set_ = desk.api_a.request("PUT", "/me/presence", {"presence": "away"})
    assert set_.status == 200 and set_.body["presence"] == "away"
    assert set_.body["last_seen_at"] is not None
    assert desk.api_a.post("/me/heartbeat").status == 200
    assert desk.api_a.post("/me/next-ticket").status == 204
    ticket = ticket_in(desk.team_a, language="en")
    got = desk.api_a.post("/me/next-ticket")
    assert got.status == 200 and got.body["id"] == ticket.pk
    assert got.body["assignee"]["id"] == desk.agent_a.pk
    assert desk.api_a.post("/me/next-ticket").status == 204


def test_list_endpoints_query_counts_do_not_grow(desk: Desk) -> None:
    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert desk.api_a.get(path).status == 200
        return len(ctx.captured_queries)

    _rule(desk)
    desk.api_a.get("/me")  # the token's first use of the minute writes last_used_at
    before = (count("/teams"), count("/routing/rules"), count("/agents"))
    for n in range(4):
        team = make_team(name=f"More {n}")
        make_agent(teams=(team, desk.team_a))
        desk.api_sup.request("PUT", f"/teams/{team.pk}/routing", {"strategy": "round_robin"})
        _rule(desk, name=f"rule {n}", team_id=team.pk)
    after = (count("/teams"), count("/routing/rules"), count("/agents"))
    assert after == before
