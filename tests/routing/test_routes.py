"""Routing rules, the default team and the fallback chain (vigil.routing.routes)."""

from __future__ import annotations

import pytest

from tests.factories.accounts import make_agent, make_team
from tests.factories.tickets import ingest
from vigil.accounts.choices import Presence
from vigil.accounts.models import Team
from vigil.routing.models import RoutingRule
from vigil.routing.routes import ticket_route
from vigil.tickets.choices import Priority
from vigil.tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashing")]


def _ticket(**fields: object) -> Ticket:
    ticket = ingest().ticket
    for name, value in fields.items():
        setattr(ticket, name, value)
    return ticket


def _fallback(team: Team, to: Team | None) -> None:
    team.fallback = to
    team.save(update_fields=["fallback"])


def test_first_enabled_rule_by_position_wins_and_raises_priority() -> None:
    vip, zh, other = make_team(name="VIP"), make_team(name="Chinese"), make_team(name="Other")
    make_agent(teams=(vip, zh, other), languages=("en", "zh-hans"))
    RoutingRule.objects.create(name="off", position=0, enabled=False, team=other)
    RoutingRule.objects.create(
        name="zh withdrawals", position=2, languages=["zh-hans"], team=zh, set_priority=3
    )
    RoutingRule.objects.create(name="vip", position=1, min_vip_tier=2, team=vip)
    ticket = _ticket(language="zh-hans", category="withdrawal", priority=Priority.NORMAL)
    decision = ticket_route(ticket=ticket)
    assert decision.team == zh
    assert ticket.team == zh and ticket.priority == Priority.HIGH
    assert decision.priority_raised and "priority" in decision.fields
    assert ticket.triage["route"]["value"] == "Chinese"
    assert "zh withdrawals" in ticket.triage["route"]["reason"]
    assert not ticket.fallback_routed


def test_conditions_all_must_hold() -> None:
    sec = make_team(name="Security")
    make_agent(teams=(sec,))
    RoutingRule.objects.create(
        name="sec urgent",
        security_only=True,
        min_priority=Priority.HIGH,
        channels=["api"],
        tones=["distressed"],
        team=sec,
    )
    ticket = _ticket(security_flag=True, priority=Priority.HIGH, tone="distressed")
    assert ticket_route(ticket=ticket).team == sec
    for change in ({"security_flag": False}, {"priority": Priority.NORMAL}, {"tone": ""}):
        other = _ticket(security_flag=True, priority=Priority.HIGH, tone="distressed", team=None)
        for name, value in change.items():
            setattr(other, name, value)
        assert ticket_route(ticket=other).team is None, change


def test_no_rule_uses_channel_default_team_then_none() -> None:
    ticket = _ticket()
    decision = ticket_route(ticket=ticket)
    assert decision.team is None and ticket.triage["route"]["value"] is None
    default = make_team(name="Default")
    account = ticket.channel_account
    assert account is not None
    account.default_team = default
    account.save(update_fields=["default_team"])
    decision = ticket_route(ticket=ticket)
    assert decision.team == default and "default team" in decision.reason


def test_nobody_on_shift_for_language_follows_fallback_chain_without_loops() -> None:
    hant, apac, global_ = make_team(name="TW"), make_team(name="APAC"), make_team(name="Global")
    _fallback(hant, apac)
    _fallback(apac, global_)
    _fallback(global_, hant)  # a loop: must not spin
    make_agent(teams=(hant,), languages=("zh-hant",), presence=Presence.OFFLINE)
    make_agent(teams=(apac,), languages=("zh-hans",), presence=Presence.ONLINE)
    speaker = make_agent(teams=(global_,), languages=("zh-hant",), presence=Presence.ONLINE)
    RoutingRule.objects.create(name="tw", languages=["zh-hant"], team=hant)
    ticket = _ticket(language="zh-hant")
    decision = ticket_route(ticket=ticket)
    assert decision.team == global_ and ticket.team == global_
    assert ticket.fallback_routed and decision.fallback_from == ("TW", "APAC")
    assert "fallback" in ticket.triage["route"]["reason"]
    # Nobody anywhere: the chain ends (at the last team before the loop), still marked.
    speaker.presence = Presence.OFFLINE
    speaker.save(update_fields=["presence"])
    ticket = _ticket(language="zh-hant")
    decision = ticket_route(ticket=ticket)
    assert decision.team == global_ and ticket.fallback_routed


def test_speaker_on_shift_keeps_team_unmarked() -> None:
    hant, apac = make_team(name="TW"), make_team(name="APAC")
    _fallback(hant, apac)
    make_agent(teams=(hant,), languages=("zh-hant",), presence=Presence.ONLINE)
    RoutingRule.objects.create(name="tw", languages=["zh-hant"], team=hant)
    ticket = _ticket(language="zh-hant")
    assert ticket_route(ticket=ticket).team == hant
    assert (
        not ticket.fallback_routed and "fallback_routed" not in ticket_route(ticket=ticket).fields
    )
