"""Reads behind the live socket: who is listening, and what they missed.

See docs/architecture.md#real-time. Visibility here mirrors core.selectors.events_after: an
event is for everyone when it names no team, else for that team's members and the agent it
names; desk-wide roles see all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Min

from vigil.accounts.selectors import agent_for_user, agent_team_ids
from vigil.core.models import Event
from vigil.core.selectors import events_after, stream_last_seq
from vigil.core.services import event_message

# A client further behind than this reloads its state instead of replaying the log.
MAX_BACKLOG = 1000


@dataclass(frozen=True, slots=True)
class Listener:
    """An agent holding a socket, and what they may see."""

    agent_id: int
    team_ids: frozenset[int] | None  # None: the whole desk

    def can_see(self, *, team_id: int | None, agent_id: int | None) -> bool:
        if self.team_ids is None or team_id is None:
            return True
        return team_id in self.team_ids or agent_id == self.agent_id


@dataclass(frozen=True, slots=True)
class Resync:
    """The answer to "what happened after seq N?".

    `reset`: the log cannot say (N is pruned, in the future, or too far behind); the client
    reloads its state and continues from `seq`. Otherwise `events` are the visible events after
    N in order, and the client has seen everything up to `seq`.
    """

    seq: int
    reset: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)


def listener_for_user(user: AbstractBaseUser | AnonymousUser | None) -> Listener | None:
    """The listener behind an authenticated session, or None for anyone but an agent."""
    if user is None:
        return None
    agent = agent_for_user(user)
    if agent is None:
        return None
    team_ids = agent_team_ids(agent)
    return Listener(agent_id=agent.pk, team_ids=None if team_ids is None else frozenset(team_ids))


def stream_oldest_seq(*, stream: str) -> int | None:
    """The oldest sequence number still kept for `stream` (older ones were pruned)."""
    oldest: int | None = Event.objects.filter(stream__name=stream).aggregate(m=Min("seq"))["m"]
    return oldest


def stream_resync(
    *, stream: str, since: int | None, listener: Listener, max_backlog: int | None = None
) -> Resync:
    """What a listener who has seen `since` must receive; since=None: only where we are now."""
    max_backlog = MAX_BACKLOG if max_backlog is None else max_backlog
    last = stream_last_seq(stream=stream)
    if since is None or since == last:
        return Resync(seq=last)
    if since > last or last - since > max_backlog:
        return Resync(seq=last, reset=True)
    rows = list(
        events_after(
            stream=stream,
            after=since,
            team_ids=None if listener.team_ids is None else set(listener.team_ids),
            agent_id=listener.agent_id,
            limit=max_backlog,
        )
    )
    # Checked after the read: if pruning raced with it, the gap shows here.
    oldest = stream_oldest_seq(stream=stream)
    if oldest is None or oldest > since + 1:
        return Resync(seq=last, reset=True)
    # Rows committed after `last` was read are complete too: numbers are handed out in commit
    # order, so everything below a committed event is committed.
    seq = max(last, rows[-1].seq) if rows else last
    return Resync(seq=seq, events=[event_message(row, stream) for row in rows])
