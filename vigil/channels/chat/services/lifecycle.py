"""Leaving a message, ending, joining, transfer and read state of a chat. See
docs/architecture.md#live-chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from vigil.accounts.models import Agent, Team
from vigil.channels.chat.events import (
    ChatAgentJoined,
    ChatEnded,
    ChatLeftMessage,
    ChatTransferred,
)
from vigil.channels.chat.selectors import OPEN_STATES
from vigil.channels.chat.services.messages import Ack, Started, chat_message_receive, chat_start
from vigil.channels.chat.services.stream import chat_events_add, dispatch_soon
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.core.errors import Conflict, ValidationFailed
from vigil.core.events import on_commit
from vigil.customers.choices import IdentityKind
from vigil.customers.models import ChannelIdentity
from vigil.customers.services import normalize_address
from vigil.tickets.models import Ticket
from vigil.tickets.services import ticket_update

# --- leaving a message, ending, transfer ----------------------------------------------------


State = ChatSession.State


@dataclass(frozen=True, slots=True)
class FirstContact:
    """What the pre-chat form said, for a message left before any chat was open."""

    language: str = ""
    category: str = ""
    uid: str = ""
    name: str = ""


def chat_leave_message(
    *,
    account: ChannelAccount,
    session: ChatSession | None,
    client_id: str,
    email: str,
    text: str,
    visitor_ip: str | None = None,
    first: FirstContact | None = None,
) -> Started | Ack:
    """No agent (or too long a wait): the visitor's message becomes an e-mail-followed
    ticket. Without a session, one is opened directly in state left_message (Started);
    with one, the message is added and the session leaves the queue (Ack)."""
    email = normalize_address(kind=IdentityKind.EMAIL, address=email or "-")
    if session is None:
        first = first or FirstContact()
        return chat_start(
            account=account,
            client_id=client_id,
            text=text,
            email=email,
            language=first.language,
            category=first.category,
            uid=first.uid,
            name=first.name,
            visitor_ip=visitor_ip,
            leave_message=True,
        )
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.state == State.LEFT_MESSAGE:
            return chat_message_receive(session=locked, client_id=client_id, text=text)
        if locked.state not in (State.WAITING, State.OFFERED):
            raise Conflict("an agent is already here, or the chat ended", code="ended")
        _email_link(ticket=locked.ticket, email=email)
        locked.email = email
        ack = chat_message_receive(session=locked, client_id=client_id, text=text)
        locked.state = State.LEFT_MESSAGE
        locked.offered_to = None
        locked.offer_expires_at = None
        locked.save(
            update_fields=["state", "email", "offered_to", "offer_expires_at", "updated_at"]
        )
        chat_events_add(
            ChatLeftMessage(session_id=locked.pk, ticket=locked.ticket.reference, email=email)
        )
        dispatch_soon(locked.language)
    session.state, session.email = locked.state, locked.email
    return ack


def _email_link(*, ticket: Ticket, email: str) -> None:
    """Make `email` an identity of the ticket's customer, so replies go by e-mail; if the
    address belongs to another customer already, the ticket moves to that customer."""
    owner = (
        ChannelIdentity.objects.filter(kind=IdentityKind.EMAIL, address=email)
        .values_list("customer_id", flat=True)
        .first()
    )
    if owner is None:
        ChannelIdentity.objects.create(
            customer_id=ticket.customer_id, kind=IdentityKind.EMAIL, address=email
        )
        if not ticket.customer.email:
            type(ticket.customer).objects.filter(pk=ticket.customer_id).update(email=email)
    elif owner != ticket.customer_id:
        Ticket.objects.filter(pk=ticket.pk).update(customer_id=owner)


def chat_end(*, session: ChatSession, by: str, actor: Agent | None = None) -> ChatSession:
    """End the chat (by the agent, the visitor, or the system); the transcript goes to the
    visitor's e-mail address when they gave one. Ending twice changes nothing."""
    if by not in ("agent", "customer", "system"):
        raise ValidationFailed(f"unknown ender {by!r}")
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.state not in OPEN_STATES:
            return locked
        locked.state = State.ENDED
        locked.ended_at = timezone.now()
        locked.offered_to = None
        locked.offer_expires_at = None
        locked.save(
            update_fields=["state", "ended_at", "offered_to", "offer_expires_at", "updated_at"]
        )
        chat_events_add(ChatEnded(session_id=locked.pk, by=by, transcript_to=locked.email or None))
        if locked.email:
            from vigil.channels.chat.tasks import send_chat_transcript

            session_id = locked.pk
            on_commit(lambda: send_chat_transcript.enqueue(session_id=session_id))
        dispatch_soon(locked.language)
    session.state, session.ended_at = locked.state, locked.ended_at
    return locked


def chat_agent_join(*, session: ChatSession, agent: Agent) -> ChatSession:
    """`agent` takes the chat (accepted an offer): active, and the visitor is told."""
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.state not in OPEN_STATES:
            raise Conflict("the chat has ended", code="ended")
        locked.state = State.ACTIVE
        locked.agent = agent
        locked.accepted_at = locked.accepted_at or timezone.now()
        locked.offered_to = None
        locked.offer_expires_at = None
        locked.save(
            update_fields=[
                "state",
                "agent",
                "accepted_at",
                "offered_to",
                "offer_expires_at",
                "updated_at",
            ]
        )
        chat_events_add(ChatAgentJoined(session_id=locked.pk, agent_name=agent.display_name))
    return locked


def chat_transfer(
    *,
    session: ChatSession,
    actor: Agent | None,
    agent: Agent | None = None,
    team: Team | None = None,
) -> ChatSession:
    """Hand the chat to another agent (active with them at once) or to a team (back in the
    queue, offered to that team's agents); the visitor is told, the ticket follows."""
    if (agent is None) == (team is None):
        raise ValidationFailed("transfer to an agent or to a team")
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().select_related("ticket").get(pk=session.pk)
        if locked.state not in OPEN_STATES:
            raise Conflict("the chat has ended", code="ended")
        ticket = Ticket.objects.select_related("customer", "team", "assignee").get(
            pk=locked.ticket_id
        )
        locked.offered_to = None
        locked.offer_expires_at = None
        if agent is not None:
            locked.state, locked.agent = State.ACTIVE, agent
            locked.accepted_at = locked.accepted_at or timezone.now()
            ticket_update(ticket=ticket, actor=actor, assignee=agent)
        else:
            locked.state, locked.agent, locked.queued_at = State.WAITING, None, timezone.now()
            ticket_update(ticket=ticket, actor=actor, team=team, assignee=None)
        locked.save(
            update_fields=[
                "state",
                "agent",
                "accepted_at",
                "queued_at",
                "offered_to",
                "offer_expires_at",
                "updated_at",
            ]
        )
        chat_events_add(
            ChatTransferred(
                session_id=locked.pk,
                agent_name=agent.display_name if agent else None,
                team=team.name if team else None,
            )
        )
        dispatch_soon(locked.language)
    return locked


def chat_read(*, session: ChatSession, seq: int) -> bool:
    """The visitor has seen the stream up to `seq`; True when that is news."""
    changed = ChatSession.objects.filter(pk=session.pk, customer_read_seq__lt=seq).update(
        customer_read_seq=seq
    )
    if changed:
        session.customer_read_seq = seq
    return bool(changed)


# A waiting visitor who has been silent this long (no socket, no ping: the widget pings every
# 25 s and reconnects within 15 s) has gone; an active chat's visitor gets longer.
ABANDONED_WAITING = timedelta(minutes=3)
ABANDONED_ACTIVE = timedelta(minutes=15)


def chat_visitors_seen(*, session_ids: Sequence[int]) -> None:
    """These visitors are there: a socket attached, or frames noted by chat/seen.py."""
    ChatSession.objects.filter(pk__in=list(session_ids)).update(visitor_seen_at=timezone.now())


def chats_end_abandoned(*, limit: int = 500) -> int:
    """End, by the system, the open chats whose visitor went quiet: so no agent is offered, or
    keeps a place for, someone who closed the tab. The ticket stays; the transcript goes to the
    visitor's address when they gave one. Returns how many ended; idempotent."""
    now = timezone.now()
    quiet = Q(state__in=(State.WAITING, State.OFFERED), visitor_seen_at__lt=now - ABANDONED_WAITING)
    quiet |= Q(state=State.ACTIVE, visitor_seen_at__lt=now - ABANDONED_ACTIVE)
    ended = 0
    for session in ChatSession.objects.filter(quiet).order_by("visitor_seen_at")[:limit]:
        ended += chat_end(session=session, by="system").state == State.ENDED
    return ended
