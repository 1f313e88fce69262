"""The event catalogue: every event type, who receives it, and the gapless sequence."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections

from tests.factories.accounts import make_agent, make_team
from tests.factories.tickets import ingest
from vigil.accounts.choices import Role
from vigil.accounts.selectors import agent_team_ids
from vigil.accounts.services import agent_set_presence
from vigil.core.events import CATALOGUE
from vigil.core.models import Event
from vigil.core.selectors import events_after, stream_last_seq
from vigil.core.services import event_store
from vigil.tickets.services import message_reply, ticket_update

pytestmark = pytest.mark.django_db(transaction=True)

# Who receives each event type. Adding a type to the catalogue without a line here fails.
RECEIVERS = {
    "ticket.created": "members of the ticket's team, its assignee, desk-wide roles",
    "ticket.updated": "members of the ticket's team, its assignee, desk-wide roles",
    "message.added": "members of the ticket's team, its assignee, desk-wide roles",
    "agent.presence_changed": "every agent on the desk",
    "sla.warning": "members of the ticket's team, its assignee, desk-wide roles",
    "sla.breached": "the team and assignee that held the ticket when it breached, desk-wide roles",
    "coverage.gap": "every agent on the desk",
    "action.updated": "every agent on the desk (tests/approvals/test_events.py)",
    "chat.offered": "the agent offered the chat, desk-wide roles",
    "chat.offer_withdrawn": "the agent whose offer ended, desk-wide roles",
    "chat.changed": "the agent who took or lost the chat, desk-wide roles",
    "chat.message": "the chat's visitor (stream chat:<session id>): their messages, replies",
    "chat.agent_joined": "the chat's visitor (stream chat:<session id>)",
    "chat.transferred": "the chat's visitor (stream chat:<session id>)",
    "chat.ended": "the chat's visitor (stream chat:<session id>)",
    "chat.left_message": "the chat's visitor (stream chat:<session id>)",
}


def test_every_event_type_has_declared_receivers() -> None:
    assert set(CATALOGUE) == set(RECEIVERS)


def _types_seen_by(agent: object) -> list[str]:
    return [
        e.type
        for e in events_after(
            stream="desk",
            after=0,
            team_ids=agent_team_ids(agent),  # type: ignore[arg-type]
            agent_id=agent.pk,  # type: ignore[attr-defined]
        )
    ]


def test_ticket_events_reach_team_assignee_and_supervisors_only() -> None:
    team_a, team_b = make_team(name="A"), make_team(name="B")
    member_a = make_agent(teams=(team_a,))
    member_b = make_agent(teams=(team_b,))
    supervisor = make_agent(role=Role.SUPERVISOR)
    ticket = ingest().ticket
    ticket_update(ticket=ticket, actor=None, team=team_a)  # ticket.updated for team A
    message_reply(ticket=ticket, agent=member_a, text="On it")  # message.added
    ticket_update(ticket=ticket, actor=None, assignee=member_b)  # now also B's assignee

    seen_a = _types_seen_by(member_a)
    seen_b = _types_seen_by(member_b)
    seen_sup = _types_seen_by(supervisor)
    # Created team-less: everyone sees the creation and the first message.
    assert seen_a[:2] == ["ticket.created", "message.added"]
    assert seen_a.count("message.added") == 2 and seen_a.count("ticket.updated") == 3
    # B sees the team-less start and what concerns them as assignee, not A's team traffic.
    assert seen_b == ["ticket.created", "message.added", "ticket.updated"]
    assert len(seen_sup) == Event.objects.count()


def test_presence_events_reach_everyone() -> None:
    team = make_team(name="Night")
    agent = make_agent(teams=(team,), presence="offline")
    other = make_agent(teams=(make_team(name="Day"),))
    agent_set_presence(agent=agent, presence="online")
    assert _types_seen_by(other) == ["agent.presence_changed"]


def test_sequence_is_gapless_under_concurrency() -> None:
    errors: list[BaseException] = []

    def publish(n: int) -> None:
        try:
            for i in range(10):
                event_store(stream="load", type="test.ping", payload={"n": n, "i": i})
        except BaseException as exc:  # asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    seqs = list(Event.objects.filter(stream__name="load").values_list("seq", flat=True))
    assert sorted(seqs) == list(range(1, 81))
    assert stream_last_seq(stream="load") == 80
