"""Fixtures of the console tests: two teams, agents in them, tickets on each side."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.factories.accounts import PASSWORD, make_agent, make_team
from tests.factories.tickets import ingest
from vigil.accounts.choices import Role
from vigil.accounts.models import Agent, Team
from vigil.tickets.models import Ticket
from vigil.tickets.services import ticket_update


@dataclass
class Desk:
    en: Team
    zh: Team
    agent: Agent  # tier 2 in the English team
    colleague: Agent  # tier 1 in the English team
    zh_agent: Agent  # tier 1 in the Chinese team
    supervisor: Agent  # sees the whole desk
    en_ticket: Ticket
    zh_ticket: Ticket


def ticket_in(team: Team | None, **overrides: object) -> Ticket:
    ticket = ingest(**overrides).ticket
    if team is not None:
        ticket_update(ticket=ticket, actor=None, team=team)
    return Ticket.objects.select_related("customer", "team", "assignee").get(pk=ticket.pk)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: object) -> None:
    """Hashing at production cost takes most of a second per agent; tests need no secrecy."""
    settings.PASSWORD_HASHERS = [  # type: ignore[attr-defined]
        "django.contrib.auth.hashers.MD5PasswordHasher"
    ]


@pytest.fixture
def desk(db: None) -> Desk:
    en = make_team(name="English support", languages=("en",))
    zh = make_team(name="Chinese support", languages=("zh-hans",))
    return Desk(
        en=en,
        zh=zh,
        agent=make_agent(email="ann@desk.test", display_name="Ann", teams=(en,)),
        colleague=make_agent(email="bo@desk.test", display_name="Bo", role=Role.TIER1, teams=(en,)),
        zh_agent=make_agent(
            email="li@desk.test",
            display_name="Li",
            role=Role.TIER1,
            teams=(zh,),
            languages=("zh-hans",),
        ),
        supervisor=make_agent(email="sue@desk.test", display_name="Sue", role=Role.SUPERVISOR),
        en_ticket=ticket_in(en, subject="Withdrawal stuck", language="en"),
        zh_ticket=ticket_in(
            zh, subject="提现一直在处理中", language="zh-hans", sender_address="wang@example.cn"
        ),
    )


def login(agent: Agent, **headers: str) -> Client:
    client = Client(**headers)
    assert client.login(username=agent.user.get_username(), password=PASSWORD)
    return client


@pytest.fixture
def client_ann(desk: Desk) -> Client:
    return login(desk.agent)
