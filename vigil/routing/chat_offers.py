"""Offering waiting chats to agents, and the offer's answers: accept, decline, expiry.

See docs/architecture.md#offering-chats-to-agents. Waiting chats, in queue order, are offered
one at a time to an online agent who speaks the chat's language, handles its category and has
a free chat slot (active + offered chats < chat_capacity), picked by the widget's
`settings["routing"]`: "least_busy" (default; ties in turn) or "round_robin". An offer lasts
`settings["offer_timeout_s"]` (default 30 s); declined or expired, it goes to the next agent.

Claims are conditional UPDATEs on the session's state, so two processes never offer one chat
twice; on PostgreSQL the session row is picked with SKIP LOCKED and the agent's row is locked
while their load is counted, so two dispatchers never fill one agent past capacity (SQLite
serialises writers with BEGIN IMMEDIATE).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from vigil.accounts.models import Agent
from vigil.accounts.selectors import agents_skilled
from vigil.channels.models import ChatSession
from vigil.core.events import on_commit, publish_on_commit
from vigil.routing.chat_queue import agent_loads, chat_dispatch_soon, widget_setting
from vigil.routing.events import ChatOffered, ChatOfferWithdrawn

logger = logging.getLogger(__name__)

State = ChatSession.State
ROUTING_DEFAULT = "least_busy"
ROUTINGS = ("least_busy", "round_robin")
OFFER_TIMEOUT_S = 30
DISPATCH_BATCH = 100  # waiting chats looked at per dispatch pass
MEMORY_TTL = 3600  # how long a decline (and the round-robin turn) is remembered, seconds


@dataclass(frozen=True, slots=True)
class Offer:
    session_id: int
    agent_id: int


# --- what dispatch remembers between passes (the cache: shared by processes with Redis) ----


def _declined_key(session_id: int) -> str:
    return f"vigil.chat.declined.{session_id}"


def declined_agents(session_id: int) -> set[int]:
    return set(cache.get(_declined_key(session_id)) or ())


def decline_remember(*, session_id: int, agent_id: int) -> None:
    agents = declined_agents(session_id) | {agent_id}
    cache.set(_declined_key(session_id), sorted(agents), MEMORY_TTL)


def _turn_key(account_id: int, language: str) -> str:
    return f"vigil.chat.turn.{account_id}.{language}"


def team_preference_key(session_id: int) -> str:
    return f"vigil.chat.team.{session_id}"


# --- picking an agent --------------------------------------------------------------------


def routing_of(session: ChatSession) -> str:
    routing = widget_setting(session, "routing", ROUTING_DEFAULT)
    return routing if routing in ROUTINGS else ROUTING_DEFAULT


def offer_timeout(session: ChatSession) -> timedelta:
    try:
        seconds = int(widget_setting(session, "offer_timeout_s", OFFER_TIMEOUT_S))
    except (TypeError, ValueError):
        seconds = OFFER_TIMEOUT_S
    return timedelta(seconds=max(5, min(seconds, 600)))


def _in_turn(agents: Sequence[Agent], last: int | None) -> list[Agent]:
    """Agents by id, starting after `last` (the one served last) and wrapping round."""
    ordered = sorted(agents, key=lambda a: a.pk)
    if last is None:
        return ordered
    after = [a for a in ordered if a.pk > last]
    return after + [a for a in ordered if a.pk <= last]


def agents_in_order(
    *, agents: Sequence[Agent], loads: dict[int, int], routing: str, last: int | None
) -> list[Agent]:
    """Agents with a free slot, best first. round_robin: in turn after `last`; least_busy:
    fewest chats first (as a share of capacity), ties in turn after `last`."""
    free = [a for a in agents if loads.get(a.pk, 0) < a.chat_capacity]
    turn = _in_turn(free, last)
    if routing == "round_robin":
        return turn
    rank = {a.pk: i for i, a in enumerate(turn)}
    return sorted(turn, key=lambda a: (loads.get(a.pk, 0) / max(a.chat_capacity, 1), rank[a.pk]))


def eligible_agents(session: ChatSession) -> list[Agent]:
    """Online agents for the chat's language and category, minus those who declined it (unless
    that leaves nobody); members of a team the chat was transferred to come first."""
    agents = list(
        agents_skilled(language=session.language, category=session.category).prefetch_related(
            "teams"
        )
    )
    declined = declined_agents(session.pk)
    fresh = [a for a in agents if a.pk not in declined]
    agents = fresh or agents
    team_id = cache.get(team_preference_key(session.pk))
    if team_id is not None:
        members = [a for a in agents if any(t.pk == team_id for t in a.teams.all())]
        agents = members or agents
    return agents


# --- offering ----------------------------------------------------------------------------


def _lock_session(session_id: int) -> ChatSession | None:
    """The session if it is still waiting, its row locked (skipped if another dispatcher
    holds it)."""
    return (
        ChatSession.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("account", "ticket")
        .filter(pk=session_id, state=State.WAITING)
        .first()
    )


def _agent_has_room(agent: Agent) -> bool:
    """Lock the agent's row, then count: two dispatchers cannot both fill the last slot."""
    locked = Agent.objects.select_for_update().filter(pk=agent.pk).values_list("pk", flat=True)
    if not list(locked):
        return False
    return agent_loads([agent.pk])[agent.pk] < agent.chat_capacity


def offer_make(*, session: ChatSession, agent: Agent, now: datetime | None = None) -> bool:
    """Offer a waiting session to `agent` (conditional on it still waiting); True if made.
    Runs inside the caller's transaction."""
    now = now or timezone.now()
    expires = now + offer_timeout(session)
    claimed = ChatSession.objects.filter(pk=session.pk, state=State.WAITING).update(
        state=State.OFFERED, offered_to=agent, offer_expires_at=expires, updated_at=now
    )
    if not claimed:
        return False
    session.state, session.offered_to, session.offer_expires_at = State.OFFERED, agent, expires
    publish_on_commit(
        ChatOffered(
            session_id=session.pk,
            ticket_id=session.ticket_id,
            agent_id=agent.pk,
            language=session.language,
            category=session.category,
            expires_at=expires.isoformat(),
            preview=(session.ticket.subject or "")[:140],
        )
    )
    return True


NOBODY = "nobody"  # offer_attempt: no agent for the chat had room
BUSY = "busy"  # offer_attempt: the chat is being handled (locked or no longer waiting)


def offer_attempt(*, session_id: int) -> Offer | str:
    """Offer one waiting session to the best agent with room: the Offer, else NOBODY or
    BUSY."""
    with transaction.atomic():
        session = _lock_session(session_id)
        if session is None:
            return BUSY
        agents = eligible_agents(session)
        turn_key = _turn_key(session.account_id, session.language)
        ordered = agents_in_order(
            agents=agents,
            loads=agent_loads(a.pk for a in agents),
            routing=routing_of(session),
            last=cache.get(turn_key),
        )
        for agent in ordered[:5]:
            if _agent_has_room(agent) and offer_make(session=session, agent=agent):
                # Not on commit: a turn moved on by a rolled-back offer is harmless.
                cache.set(turn_key, agent.pk, MEMORY_TTL)
                return Offer(session_id=session.pk, agent_id=agent.pk)
    return NOBODY


def _anyone_has_room(language: str) -> bool:
    agents = list(agents_skilled(language=language))
    loads = agent_loads(a.pk for a in agents)
    return any(loads[a.pk] < a.chat_capacity for a in agents)


def chat_dispatch(*, language: str) -> list[Offer]:
    """Offer the waiting chats of `language`, in queue order, while agents have room.

    Cheap when the desk is full: nothing is tried when no agent of the language has a free
    slot, and once a chat of some category finds nobody, later chats of that category are
    not tried in this pass."""
    if not _anyone_has_room(language):
        return []
    rows = list(
        ChatSession.objects.filter(state=State.WAITING, language=language)
        .order_by("queued_at", "id")
        .values_list("pk", "category")[:DISPATCH_BATCH]
    )
    offers = []
    stuck: set[str] = set()
    for session_id, category in rows:
        if category in stuck:
            continue
        made = offer_attempt(session_id=session_id)
        if isinstance(made, Offer):
            offers.append(made)
        elif made == NOBODY:
            stuck.add(category)
    return offers


# --- the offer's end ---------------------------------------------------------------------


def _offer_back(*, session: ChatSession, agent_id: int, reason: str) -> bool:
    """Put an offered session back in the queue (conditional on the offer being the one we
    saw); the agent is remembered so the next offer goes to someone else."""
    back = ChatSession.objects.filter(
        pk=session.pk,
        state=State.OFFERED,
        offered_to_id=agent_id,
        offer_expires_at=session.offer_expires_at,
    ).update(state=State.WAITING, offered_to=None, offer_expires_at=None, updated_at=timezone.now())
    if not back:
        return False
    session_id = session.pk
    on_commit(lambda: decline_remember(session_id=session_id, agent_id=agent_id))
    publish_on_commit(
        ChatOfferWithdrawn(
            session_id=session.pk, ticket_id=session.ticket_id, agent_id=agent_id, reason=reason
        )
    )
    chat_dispatch_soon(language=session.language)
    return True


def chat_offer_decline(*, session: ChatSession, agent: Agent) -> bool:
    """The agent says no: the chat goes back to the queue and on to someone else."""
    with transaction.atomic():
        return _offer_back(session=session, agent_id=agent.pk, reason="declined")


def chat_offers_expire(*, now: datetime | None = None) -> int:
    """Put every offer past its time back in the queue; returns how many."""
    now = now or timezone.now()
    expired = list(
        ChatSession.objects.filter(state=State.OFFERED, offer_expires_at__lt=now).only(
            "pk", "ticket_id", "language", "offered_to_id", "offer_expires_at"
        )
    )
    count = 0
    for session in expired:
        if session.offered_to_id is None:
            continue
        with transaction.atomic():
            count += _offer_back(session=session, agent_id=session.offered_to_id, reason="expired")
    return count


def chat_offers_tick(*, now: datetime | None = None) -> int:
    """The periodic pass: expire offers, then offer what waits in every language and refresh
    the waiting visitors' queue frames. Returns how many offers expired."""
    from vigil.routing.chat_queue import chat_queue_changed

    expired = chat_offers_expire(now=now)
    languages = (
        ChatSession.objects.filter(state__in=[State.WAITING, State.OFFERED])
        .values_list("language", flat=True)
        .distinct()
    )
    for language in sorted(set(languages)):
        chat_queue_changed(language=language)
    return expired
