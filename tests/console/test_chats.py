"""The console's Chats panel: offers with accept/decline, the active chat with its messages,
replies and notes, typing both ways, transfer, close."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.console.conftest import login
from tests.routing.chat_helpers import make_chat, make_chat_agent, make_widget
from vigil.accounts.models import Agent
from vigil.channels.models import ChatSession
from vigil.core.models import Event
from vigil.routing import chat_agent, chat_queue
from vigil.routing.chat_offers import chat_dispatch
from vigil.tickets.choices import Direction
from vigil.tickets.models import Message, Ticket

State = ChatSession.State
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def frames(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, dict[str, Any]]]:
    """Frames for visitors (queue positions, the agent typing), captured instead of sent."""
    sent: list[tuple[int, dict[str, Any]]] = []

    def capture(*, session_id: int, frame: dict[str, Any]) -> None:
        sent.append((session_id, frame))

    monkeypatch.setattr(chat_queue, "frame_send", capture)
    monkeypatch.setattr(chat_agent, "chat_frame_send", capture)
    return sent


def chat_events(session: ChatSession) -> list[str]:
    return list(
        Event.objects.filter(stream__name=f"chat:{session.pk}")
        .order_by("seq")
        .values_list("type", flat=True)
    )


@pytest.fixture
def offered(
    db: None, django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> tuple[ChatSession, Agent, Agent]:
    """A chat offered to Ann (the only agent with room); Bo is online too but full."""
    widget = make_widget()
    ann = make_chat_agent(email="ann@desk.test", display_name="Ann", chat_capacity=1)
    bo = make_chat_agent(email="bo@desk.test", display_name="Bo", chat_capacity=1)
    make_chat(widget=widget, state=State.ACTIVE, agent=bo)
    chat = make_chat(widget=widget)
    with django_capture_on_commit_callbacks(execute=True):
        assert [o.agent_id for o in chat_dispatch(language="en")] == [ann.pk]
    chat.refresh_from_db()
    return chat, ann, bo


def test_the_offer_shows_for_its_agent_only(offered: Any) -> None:
    chat, ann, bo = offered
    mine = login(ann).get(reverse("console:chats_part", args=["offers"]), headers=HX)
    assert mine.status_code == 200
    html = mine.content.decode()
    assert f'data-session="{chat.pk}"' in html
    assert reverse("console:chat_accept", args=[chat.pk]) in html
    assert "data-expires=" in html
    other = login(bo).get(reverse("console:chats_part", args=["offers"]), headers=HX)
    assert f'data-session="{chat.pk}"' not in other.content.decode()
    # and nobody else may accept it
    refused = login(bo).post(reverse("console:chat_accept", args=[chat.pk]), headers=HX)
    assert refused.status_code == 404
    chat.refresh_from_db()
    assert chat.state == State.OFFERED


def test_accept_makes_the_chat_theirs_and_tells_the_visitor(
    offered: Any, django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> None:
    chat, ann, _ = offered
    with django_capture_on_commit_callbacks(execute=True):
        response = login(ann).post(reverse("console:chat_accept", args=[chat.pk]), headers=HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("console:chats") + f"?chat={chat.pk}"
    chat.refresh_from_db()
    assert (chat.state, chat.agent_id, chat.offered_to_id) == (State.ACTIVE, ann.pk, None)
    assert chat.accepted_at is not None
    assert Ticket.objects.get(pk=chat.ticket_id).assignee_id == ann.pk
    assert "chat.agent_joined" in chat_events(chat)
    desk = Event.objects.filter(stream__name="desk", agent_id=ann.pk, team_id=0)
    assert set(desk.values_list("type", flat=True)) >= {
        "chat.offered",
        "chat.offer_withdrawn",
        "chat.changed",
    }
    # accepting twice is a conflict, not a 500
    again = login(ann).post(reverse("console:chat_accept", args=[chat.pk]), headers=HX)
    assert again.status_code == 409


def test_decline_hands_the_offer_on(
    offered: Any, django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> None:
    chat, ann, bo = offered
    Agent.objects.filter(pk=bo.pk).update(chat_capacity=2)  # Bo now has room
    with django_capture_on_commit_callbacks(execute=True):
        response = login(ann).post(reverse("console:chat_decline", args=[chat.pk]), headers=HX)
    assert response.status_code == 200
    assert f'data-session="{chat.pk}"' not in response.content.decode()
    chat.refresh_from_db()
    assert (chat.state, chat.offered_to_id) == (State.OFFERED, bo.pk)


@pytest.fixture
def active(
    offered: Any, django_capture_on_commit_callbacks: Any
) -> tuple[ChatSession, Agent, Client]:
    chat, ann, _ = offered
    client = login(ann)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("console:chat_accept", args=[chat.pk]), headers=HX)
    chat.refresh_from_db()
    return chat, ann, client


def test_the_panel_shows_the_active_chat_with_its_messages(active: Any, frames: list[Any]) -> None:
    chat, _, client = active
    page = client.get(reverse("console:chats"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-chat-id="{chat.pk}"' in html
    assert "my withdrawal is stuck" in html  # the visitor's first message
    assert reverse("console:chat_send", args=[chat.pk]) in html
    assert 'id="chat-typing"' in html
    # the agent has now read the visitor's message: the widget hears it
    inbound = Message.objects.get(ticket_id=chat.ticket_id, direction=Direction.INBOUND)
    assert (chat.pk, {"type": "read", "message_id": inbound.pk}) in frames


def test_reply_reaches_the_chat_stream_and_a_note_does_not(
    active: Any, django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> None:
    chat, ann, client = active
    url = reverse("console:chat_send", args=[chat.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"text": "Hello, I am looking at it", "kind": "reply"}, headers=HX
        )
    assert response.status_code == 200
    assert "Hello, I am looking at it" in response.content.decode()
    reply = Message.objects.get(ticket_id=chat.ticket_id, direction=Direction.OUTBOUND)
    assert reply.author_agent_id == ann.pk
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"text": "Customer is VIP, be quick", "kind": "note"}, headers=HX)
    assert Message.objects.filter(ticket_id=chat.ticket_id, direction=Direction.NOTE).count() == 1
    events = Event.objects.filter(stream__name=f"chat:{chat.pk}", type="chat.message")
    texts = [e.payload["text"] for e in events]
    assert "Hello, I am looking at it" in texts
    assert all("VIP" not in t for t in texts)
    empty = client.post(url, {"text": "  ", "kind": "reply"}, headers=HX)
    assert empty.status_code == 422


def test_typing_goes_to_the_visitor(active: Any, frames: list[Any]) -> None:
    chat, _, client = active
    frames.clear()
    url = reverse("console:chat_typing", args=[chat.pk])
    assert client.post(url, {"on": "1"}, headers=HX).status_code == 204
    assert client.post(url, {"on": "0"}, headers=HX).status_code == 204
    assert frames == [
        (chat.pk, {"type": "typing", "on": True, "agent_name": "Ann"}),
        (chat.pk, {"type": "typing", "on": False, "agent_name": "Ann"}),
    ]


def test_transfer_to_an_agent(
    active: Any, django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> None:
    chat, ann, client = active
    cy = make_chat_agent(email="cy@desk.test", display_name="Cy")
    ja = make_chat_agent(email="jo@desk.test", display_name="Jo", languages=("ja",))
    page = client.get(reverse("console:chats") + f"?chat={chat.pk}").content.decode()
    assert f'value="agent:{cy.pk}"' in page
    assert f'value="agent:{ja.pk}"' not in page  # does not speak the chat's language
    url = reverse("console:chat_transfer", args=[chat.pk])
    assert client.post(url, {"to": f"agent:{ja.pk}"}, headers=HX).status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"to": f"agent:{cy.pk}"}, headers=HX).status_code == 200
    chat.refresh_from_db()
    assert (chat.state, chat.agent_id) == (State.ACTIVE, cy.pk)
    assert Ticket.objects.get(pk=chat.ticket_id).assignee_id == cy.pk
    assert "chat.transferred" in chat_events(chat)
    changed = Event.objects.filter(type="chat.changed").order_by("seq")
    assert [(e.agent_id, e.payload["change"]) for e in changed][-2:] == [
        (ann.pk, "transferred_out"),
        (cy.pk, "transferred_in"),
    ]
    # no longer Ann's: she cannot act on it
    assert client.post(reverse("console:chat_close", args=[chat.pk]), headers=HX).status_code == 404


def test_transfer_to_a_team_puts_it_back_in_the_queue_for_that_team(
    active: Any, django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> None:
    from tests.factories.accounts import make_team

    chat, _, client = active
    vip = make_team(name="VIP desk")
    outsider = make_chat_agent(chat_capacity=3)
    member = make_chat_agent(chat_capacity=3, teams=(vip,))
    url = reverse("console:chat_transfer", args=[chat.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"to": f"team:{vip.pk}"}, headers=HX).status_code == 200
    chat.refresh_from_db()
    ticket = Ticket.objects.get(pk=chat.ticket_id)
    assert (ticket.team_id, ticket.assignee_id) == (vip.pk, None)
    # back in the queue and offered to the team's member, not to the idle outsider (first in
    # turn) nor back to Ann
    assert (chat.state, chat.offered_to_id) == (State.OFFERED, member.pk)
    assert outsider.pk < member.pk


def test_close_ends_the_chat(
    active: Any, django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> None:
    chat, _, client = active
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("console:chat_close", args=[chat.pk]), headers=HX)
    assert response.status_code == 200
    chat.refresh_from_db()
    assert chat.state == State.ENDED and chat.ended_at is not None
    assert chat_events(chat)[-1] == "chat.ended"
    assert client.post(reverse("console:chat_close", args=[chat.pk]), headers=HX).status_code == 409


def test_every_desk_page_loads_the_offers_box(active: Any) -> None:
    _, _, client = active
    html = client.get(reverse("console:inbox")).content.decode()
    assert reverse("console:chats_part", args=["offers"]) in html
    assert "console/chats.js" in html


# --- the desk socket carries offers and the visitor's typing --------------------------------


@pytest.mark.django_db(transaction=True)
def test_offers_and_transient_frames_reach_only_their_agent(frames: list[Any]) -> None:
    from asgiref.sync import async_to_sync
    from channels.db import database_sync_to_async
    from channels.layers import get_channel_layer

    from tests.realtime.helpers import open_socket, quiet, session_cookie

    widget = make_widget()
    ann = make_chat_agent(display_name="Ann", chat_capacity=1)
    bo = make_chat_agent(display_name="Bo", chat_capacity=1)
    chat = make_chat(widget=widget, state=State.ACTIVE, agent=bo)  # Bo is full
    waiting = make_chat(widget=widget)
    cookies = session_cookie(ann.user), session_cookie(bo.user)

    async def scenario() -> None:
        ann_socket, _ = await open_socket(cookies[0])
        bo_socket, _ = await open_socket(cookies[1])
        await database_sync_to_async(chat_dispatch)(language="en")
        offer = await ann_socket.receive_json_from(timeout=5)
        assert (offer["type"], offer["event"]) == ("event", "chat.offered")
        assert offer["payload"]["session_id"] == waiting.pk
        assert offer["payload"]["agent_id"] == ann.pk
        # the visitor of Bo's chat types: a transient frame to Bo's sockets only
        typing = {"type": "chat_typing", "session": chat.pk, "on": True}
        await get_channel_layer().group_send(
            f"agentlive.{bo.pk}", {"type": "desk.frame", "frame": typing}
        )
        assert await bo_socket.receive_json_from(timeout=5) == typing
        assert await quiet(ann_socket)
        assert await quiet(bo_socket)
        await ann_socket.disconnect()
        await bo_socket.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True)
def test_team_transfer_is_offered_to_the_team_when_commits_are_real(frames: list[Any]) -> None:
    """Without a surrounding test transaction the chat server dispatches the moment the
    transfer commits: the team preference must be known by then."""
    from tests.factories.accounts import make_team

    widget = make_widget()
    ann = make_chat_agent(display_name="Ann", chat_capacity=3)
    chat = make_chat(widget=widget, state=State.ACTIVE, agent=ann)
    vip = make_team(name="VIP desk")
    outsider = make_chat_agent(chat_capacity=3)
    member = make_chat_agent(chat_capacity=3, teams=(vip,))
    assert outsider.pk < member.pk
    chat_agent.chat_transfer_to(session=chat, actor=ann, team=vip)
    chat.refresh_from_db()
    assert (chat.state, chat.offered_to_id) == (State.OFFERED, member.pk)
