"""Compiled look-ups (vigil/core/prepared.py) return what the plain querysets return, on
SQLite and PostgreSQL alike: fields converted (JSON, datetimes, booleans), related objects
filled in, nothing for a missing key; and the uses on the hot paths keep their meaning."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import models
from django.utils import timezone

from tests.factories.accounts import make_agent, make_team
from tests.factories.chat import start_chat
from tests.factories.tickets import ingest
from vigil.accounts.choices import Role
from vigil.accounts.selectors import agent_team_ids, api_token_lookup
from vigil.accounts.services import api_token_create
from vigil.channels.chat.services import chat_agent_join
from vigil.channels.models import ChatSession
from vigil.core.errors import NotFound
from vigil.core.prepared import Prepared
from vigil.tickets.models import Message, Ticket
from vigil.tickets.selectors import ticket_get_to_act, ticket_visible_to, visible_tickets

pytestmark = pytest.mark.django_db(transaction=True)

SESSION = Prepared(
    lambda pk: ChatSession.objects.select_related(
        "account", "ticket__customer", "ticket__assignee", "agent"
    ).filter(pk=pk)
)


def _values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_session_with_its_related_objects_equals_the_orm_s() -> None:
    started = start_chat(email="Trader@Example.com", uid="U-1")
    agent = make_agent(display_name="Mei")
    chat_agent_join(session=started.session, agent=agent)
    plain = ChatSession.objects.select_related(
        "account", "ticket__customer", "ticket__assignee", "agent"
    ).get(pk=started.session.pk)
    got = SESSION.first(started.session.pk)
    assert got is not None
    assert _values(got) == _values(plain)
    for path in ("account", "ticket", "ticket.customer", "ticket.assignee", "agent"):
        ours, theirs = got, plain
        for name in path.split("."):
            ours, theirs = getattr(ours, name), getattr(theirs, name)
        assert (ours is None) == (theirs is None), path
        if theirs is not None:
            assert _values(ours) == _values(theirs), path
    assert isinstance(got.account.settings, dict) and got.account.settings  # JSON converted
    assert got.ticket.created_at.tzinfo is not None  # an aware datetime, as the ORM gives
    assert got.agent is not None and got.agent.display_name == "Mei"
    assert got.ticket.customer is not None and got.ticket.customer.pk == plain.ticket.customer_id
    assert got._state.adding is False and got._state.db == "default"


def test_missing_rows_wrong_arity_and_unsupported_querysets() -> None:
    assert SESSION.first(10**9) is None
    with pytest.raises(TypeError):
        SESSION.first(1, 2)
    with pytest.raises(ValueError, match="prefetches"):
        Prepared(lambda pk: Ticket.objects.prefetch_related("tags").filter(pk=pk)).first(1)
    with pytest.raises(ValueError, match="each argument"):
        Prepared(lambda pk: Ticket.objects.all()).first(1)


def test_string_and_integer_arguments_and_many_rows() -> None:
    first = ingest(external_id="prep-1", text="one")
    ingest(external_id="prep-2", text="two")
    by_id = Prepared(
        lambda account, ext: Message.objects.filter(channel_account_id=account, external_id=ext),
        int,
        str,
    )
    found = by_id.first(first.message.channel_account_id, "prep-1")
    assert found is not None and found.pk == first.message.pk and found.text == "one"
    assert by_id.first(first.message.channel_account_id, "prep-3") is None
    ordered = Prepared(lambda account: Message.objects.filter(channel_account_id=account))
    texts = [m.text for m in ordered.all(first.message.channel_account_id)]
    plain = Message.objects.filter(channel_account_id=first.message.channel_account_id)
    assert texts == [m.text for m in plain]


def test_api_tokens_stop_working_when_revoked_or_the_agent_is_deactivated() -> None:
    agent = make_agent()
    row, token = api_token_create(agent=agent)
    found = api_token_lookup(token)
    assert found is not None and found.pk == row.pk and found.agent.user.pk == agent.user.pk
    assert api_token_lookup(token + "x") is None
    row.revoked_at = timezone.now()
    row.save(update_fields=["revoked_at"])
    assert api_token_lookup(token) is None
    other = make_agent()
    _, second = api_token_create(agent=other)
    other.user.is_active = False
    other.user.save(update_fields=["is_active"])
    assert api_token_lookup(second) is None


def test_ticket_visibility_in_python_agrees_with_the_query() -> None:
    red, blue = make_team(), make_team()
    tier1 = make_agent(role=Role.TIER1, teams=(red,))
    supervisor = make_agent(role=Role.SUPERVISOR)
    tickets = [ingest(text=f"t{i}").ticket for i in range(4)]
    Ticket.objects.filter(pk=tickets[0].pk).update(team=red)
    Ticket.objects.filter(pk=tickets[1].pk).update(team=blue)
    Ticket.objects.filter(pk=tickets[2].pk).update(team=blue, assignee=tier1)
    assert agent_team_ids(tier1) == {red.pk}
    for agent in (tier1, supervisor):
        seen = set(visible_tickets(agent).values_list("pk", flat=True))
        for ticket in Ticket.objects.filter(pk__in=[t.pk for t in tickets]):
            assert ticket_visible_to(agent, ticket) == (ticket.pk in seen)
            if ticket.pk in seen:
                assert ticket_get_to_act(agent, ticket.pk).pk == ticket.pk
            else:
                with pytest.raises(NotFound):
                    ticket_get_to_act(agent, ticket.pk)
    assert not ticket_visible_to(tier1, Ticket.objects.get(pk=tickets[1].pk))
