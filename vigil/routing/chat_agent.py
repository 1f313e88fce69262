"""What an agent does with a chat: accept an offer, transfer, close, type, read.

See docs/architecture.md#offering-chats-to-agents. The chat server's services
(vigil.channels.chat.services) change the session and tell the visitor; these add the agent's
side: the offer must be theirs, the ticket is assigned to them, their Chats panel hears of it
(private desk events) and the queue moves on.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from vigil.accounts.models import Agent, Team
from vigil.channels.chat.services import (
    chat_agent_join,
    chat_end,
    chat_frame_send,
    chat_transfer,
)
from vigil.channels.models import ChatSession
from vigil.core.errors import Conflict, PermissionDenied, ValidationFailed
from vigil.core.events import publish_on_commit
from vigil.routing.chat_offers import MEMORY_TTL, decline_remember, team_preference_key
from vigil.routing.chat_queue import chat_dispatch_soon
from vigil.routing.events import ChatHandedOver, ChatOfferWithdrawn
from vigil.tickets.models import Ticket
from vigil.tickets.services import ticket_update

State = ChatSession.State


def _handed(session: ChatSession, agent_id: int, change: str) -> ChatHandedOver:
    return ChatHandedOver(
        session_id=session.pk, ticket_id=session.ticket_id, agent_id=agent_id, change=change
    )


def _assign(*, session: ChatSession, agent: Agent, actor: Agent | None) -> None:
    ticket = Ticket.objects.select_related("customer", "team", "assignee").get(pk=session.ticket_id)
    if ticket.assignee_id != agent.pk:
        ticket_update(ticket=ticket, actor=actor, assignee=agent)


def chat_accept(*, session: ChatSession, agent: Agent) -> ChatSession:
    """The agent takes the chat offered to them: active with them, the ticket theirs, the
    visitor told (`agent_joined`). Conflict if the offer has moved on (expired, declined,
    taken back by the visitor)."""
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().filter(pk=session.pk).first()
        if locked is None or locked.state != State.OFFERED or locked.offered_to_id != agent.pk:
            raise Conflict("this chat is no longer offered to you", code="offer_gone")
        joined = chat_agent_join(session=locked, agent=agent)
        _assign(session=joined, agent=agent, actor=agent)
        publish_on_commit(
            ChatOfferWithdrawn(
                session_id=joined.pk,
                ticket_id=joined.ticket_id,
                agent_id=agent.pk,
                reason="accepted",
            ),
            _handed(joined, agent.pk, "accepted"),
        )
        chat_dispatch_soon(language=joined.language)
    return joined


def _open_chat_of(session: ChatSession, agent: Agent) -> ChatSession:
    """The session locked, if it is open and the agent's (or the agent sees the whole desk)."""
    locked = ChatSession.objects.select_for_update().filter(pk=session.pk).first()
    if locked is None or locked.state not in (State.ACTIVE, State.WAITING, State.OFFERED):
        raise Conflict("the chat has ended", code="ended")
    if locked.agent_id != agent.pk and not agent.sees_whole_desk:
        raise PermissionDenied("this chat is not yours")
    return locked


def chat_transfer_to(
    *,
    session: ChatSession,
    actor: Agent,
    agent: Agent | None = None,
    team: Team | None = None,
) -> ChatSession:
    """Hand an active chat to another agent (theirs at once) or to a team (back in the queue;
    the team's online agents are offered it first)."""
    if (agent is None) == (team is None):
        raise ValidationFailed("transfer to an agent or to a team")
    if agent is not None and agent.pk == actor.pk:
        raise ValidationFailed("the chat is yours already")
    if agent is not None and session.language and session.language not in agent.languages:
        raise ValidationFailed(f"{agent.display_name} does not speak {session.language}")
    with transaction.atomic():
        locked = _open_chat_of(session, actor)
        before = locked.agent_id
        if team is not None:
            # Set before the transfer: the chat server dispatches right after the commit, and
            # this must be known by then. Not undone on a rollback: a preference for a team
            # (and skipping the agent who gave the chat away) is harmless if it stays.
            cache.set(team_preference_key(locked.pk), team.pk, MEMORY_TTL)
            decline_remember(session_id=locked.pk, agent_id=actor.pk)
        moved = chat_transfer(session=locked, actor=actor, agent=agent, team=team)
        events = [] if before is None else [_handed(moved, before, "transferred_out")]
        if agent is not None:
            events.append(_handed(moved, agent.pk, "transferred_in"))
        publish_on_commit(*events)
    return moved


def chat_close(*, session: ChatSession, agent: Agent) -> ChatSession:
    """The agent ends the chat; the visitor is told and gets the transcript by e-mail."""
    with transaction.atomic():
        locked = _open_chat_of(session, agent)
        holder = locked.agent_id
        ended = chat_end(session=locked, by="agent", actor=agent)
        if holder is not None:
            publish_on_commit(_handed(ended, holder, "ended"))
    return ended


def chat_agent_typing(*, session: ChatSession, agent: Agent, on: bool) -> None:
    """Tell the visitor the agent is (or stopped) typing. Transient: nothing is stored."""
    if session.state != State.ACTIVE or session.agent_id != agent.pk:
        return
    chat_frame_send(
        session_id=session.pk,
        frame={"type": "typing", "on": bool(on), "agent_name": agent.display_name},
    )


def chat_agent_read(*, session: ChatSession, agent: Agent, message_id: int) -> bool:
    """The agent has seen the chat up to `message_id`; the visitor's widget shows it."""
    if session.agent_id != agent.pk:
        return False
    changed = ChatSession.objects.filter(
        pk=session.pk, agent_read_message_id__lt=message_id
    ).update(agent_read_message_id=message_id)
    if changed:
        session.agent_read_message_id = message_id
        chat_frame_send(session_id=session.pk, frame={"type": "read", "message_id": message_id})
    return bool(changed)
