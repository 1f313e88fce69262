"""Who hears action.updated: every agent on the desk, in the order of the steps."""

from __future__ import annotations

import pytest

from tests.approvals.conftest import People
from tests.factories.accounts import make_agent, make_team
from tests.factories.approvals import make_request
from vigil.accounts.choices import Role
from vigil.accounts.selectors import agent_team_ids
from vigil.approvals.exchange_sim import ExchangeSim
from vigil.approvals.services import action_decide
from vigil.core.selectors import events_after

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_agent_hears_each_step(people: People, exchange: ExchangeSim) -> None:
    outsider = make_agent(role=Role.TIER1, teams=(make_team(name="Elsewhere"),))
    request = make_request(agent=people.tier1)
    action_decide(agent=people.tier2, request_id=request.pk, approve=True)
    for agent in (outsider, people.tier3, people.admin):
        events = [
            e
            for e in events_after(
                stream="desk", after=0, team_ids=agent_team_ids(agent), agent_id=agent.pk
            )
            if e.type == "action.updated"
        ]
        assert [e.payload["step"] for e in events] == ["requested", "approved", "executed"]
        assert {e.payload["action_id"] for e in events} == {request.pk}
