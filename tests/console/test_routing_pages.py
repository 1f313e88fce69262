"""Console: the routing page (rules, teams, skills), the presence switch and "Next ticket"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.console.conftest import Desk, login
from tests.factories.accounts import make_agent, make_team
from vigil.accounts.models import Agent
from vigil.routing.models import RoutingRule, TeamRouting
from vigil.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_supervisor_adds_reorders_and_disables_rules(desk: Desk) -> None:
    sue = login(desk.supervisor)
    for name, team in (("first", desk.en), ("second", desk.zh)):
        response = sue.post(
            "/routing/rules/",
            {"name": name, "team": team.pk, "languages": "zh-hans, ja", "enabled": "on"},
        )
        assert response.status_code == 302
    first, second = RoutingRule.objects.order_by("position")
    assert first.languages == ["zh-hans", "ja"] and first.enabled
    assert sue.post(f"/routing/rules/{second.pk}/move/", {"direction": "up"}).status_code == 302
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["second", "first"]
    sue.post(f"/routing/rules/{first.pk}/", {"name": "first", "team": desk.en.pk})
    first.refresh_from_db()
    assert not first.enabled and first.languages == []
    page = sue.get("/routing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(f'data-rule="{second.pk}"') < html.index(f'data-rule="{first.pk}"')
    assert "Add a rule" in html


def test_team_and_skills_forms(desk: Desk) -> None:
    sue = login(desk.supervisor)
    response = sue.post(
        f"/routing/teams/{desk.zh.pk}/",
        {
            "name": "Chinese support",
            "languages": "zh-hans, zh-hant",
            "categories": "withdrawal",
            "fallback": desk.en.pk,
            "members": [desk.zh_agent.pk, desk.agent.pk],
            "strategy": "round_robin",
            "return_after_minutes": "7",
        },
    )
    assert response.status_code == 302
    desk.zh.refresh_from_db()
    assert desk.zh.languages == ["zh-hans", "zh-hant"] and desk.zh.fallback == desk.en
    assert set(desk.zh.agents.all()) == {desk.zh_agent, desk.agent}
    routing = TeamRouting.objects.get(team=desk.zh)
    assert (routing.strategy, routing.sticky, routing.return_after_minutes) == (
        "round_robin",
        False,
        7,
    )
    sue.post(
        f"/routing/agents/{desk.colleague.pk}/",
        {"languages": "en, ja", "role": "tier2", "capacity": "9", "timezone": "Asia/Tokyo"},
    )
    bo = Agent.objects.get(pk=desk.colleague.pk)
    assert (bo.languages, bo.role, bo.capacity, bo.timezone) == (
        ["en", "ja"],
        "tier2",
        9,
        "Asia/Tokyo",
    )


def test_tier1_sees_the_page_without_forms_and_cannot_post(desk: Desk) -> None:
    bo = login(desk.colleague)
    page = bo.get("/routing/")
    assert page.status_code == 200 and "Add a rule" not in page.content.decode()
    assert bo.post("/routing/rules/", {"name": "x", "team": desk.en.pk}).status_code == 403
    assert bo.post(f"/routing/agents/{desk.colleague.pk}/", {"capacity": "50"}).status_code == 403
    assert bo.post("/routing/teams/", {"name": "Mine"}).status_code == 403
    assert not RoutingRule.objects.exists()
    assert Agent.objects.get(pk=desk.colleague.pk).capacity != 50


def test_routing_page_queries_do_not_grow(desk: Desk) -> None:
    sue = login(desk.supervisor)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert sue.get("/routing/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(3):
        team = make_team(name=f"Extra {n}")
        make_agent(teams=(team, desk.en))
        TeamRouting.objects.create(team=team)
        RoutingRule.objects.create(name=f"r{n}", team=team, position=n)
    assert count() == before


def test_presence_switch_and_next_ticket(desk: Desk) -> None:
    ann = login(desk.agent)
    response = ann.post("/presence/", {"presence": "away", "next": "/"})
    assert response.status_code == 302
    assert Agent.objects.get(pk=desk.agent.pk).presence == "away"
    page = ann.get("/").content.decode()
    assert 'data-presence="away"' in page and 'id="next-ticket"' in page
    taken = ann.post("/next/")
    assert taken.status_code == 302 and taken["Location"] == f"/tickets/{desk.en_ticket.pk}/"
    assert Ticket.objects.get(pk=desk.en_ticket.pk).assignee_id == desk.agent.pk
    empty = ann.post("/next/", follow=True)
    assert "No ticket is waiting for you." in empty.content.decode()
