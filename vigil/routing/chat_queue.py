"""The live-chat queue: positions, the honest expected wait, and queue frames to visitors.

See docs/architecture.md#queue-and-expected-wait. The queue is per language: waiting sessions
ordered by (queued_at, id). The estimate is waits.wait_estimate's expected wait over the chat
slots of the online agents who may take the chat (language and category); the frames go to
each waiting visitor through the chat server's `chat_frame_send`.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from vigil.accounts.models import Agent
from vigil.accounts.selectors import agents_skilled
from vigil.channels.models import ChatSession
from vigil.core.events import on_commit
from vigil.routing.waits import handling_time, wait_at_position

logger = logging.getLogger(__name__)

State = ChatSession.State
LONG_WAIT_S = 600  # widget setting "long_wait_s": beyond this the widget offers leave-a-message
MEASURE_WINDOW = timedelta(hours=1)  # arrivals and handling times are measured over this
MIN_SAMPLES = 20  # fewer ended chats in the window: take the last MIN_SAMPLES, whenever
METHOD = "erlang_c"
COUNTS_TTL_S = 1.5  # a visitor's first frame may use agent counts this old, seconds


def widget_setting(session: ChatSession, name: str, default: Any) -> Any:
    settings = session.account.settings if session.account_id else {}
    value = (settings or {}).get(name, default)
    return default if value is None else value


def waiting_sessions(*, language: str) -> list[ChatSession]:
    """Waiting sessions of a language, in queue order."""
    return list(
        ChatSession.objects.filter(state=State.WAITING, language=language)
        .select_related("account")
        .order_by("queued_at", "id")
    )


def queue_position(*, session: ChatSession) -> int:
    """1 + the waiting sessions of the same language queued before this one."""
    queued_at = session.queued_at or session.created_at
    ahead = ChatSession.objects.filter(state=State.WAITING, language=session.language).filter(
        Q(queued_at__lt=queued_at) | Q(queued_at=queued_at, pk__lt=session.pk)
    )
    return ahead.count() + 1


@dataclass(frozen=True, slots=True)
class QueueInputs:
    """What the estimate needs for one (language, category): measured once per queue change."""

    agents: int  # online agents who may take the chat
    servers: int  # their chat slots
    busy: int  # slots taken by active and offered chats
    arrival_rate: float  # chats of the language per second, over MEASURE_WINDOW
    handling_samples: tuple[float, ...]  # accepted -> ended, seconds


def agent_loads(agent_ids: Iterable[int]) -> dict[int, int]:
    """Active plus offered chats per agent: what counts against chat_capacity."""
    ids = list(agent_ids)
    loads = dict.fromkeys(ids, 0)
    rows = ChatSession.objects.filter(
        Q(state=State.ACTIVE, agent_id__in=ids) | Q(state=State.OFFERED, offered_to_id__in=ids)
    ).values_list("state", "agent_id", "offered_to_id")
    for state, agent_id, offered_to_id in rows:
        holder = agent_id if state == State.ACTIVE else offered_to_id
        if holder in loads:
            loads[holder] += 1
    return loads


def handling_samples(*, language: str, now: Any = None) -> tuple[float, ...]:
    now = now or timezone.now()
    ended = ChatSession.objects.filter(
        language=language, accepted_at__isnull=False, ended_at__isnull=False
    )
    rows = list(
        ended.filter(ended_at__gte=now - MEASURE_WINDOW).values_list("accepted_at", "ended_at")
    )
    if len(rows) < MIN_SAMPLES:
        rows = list(
            ended.order_by("-ended_at").values_list("accepted_at", "ended_at")[:MIN_SAMPLES]
        )
    return tuple(max((end - start).total_seconds(), 0.0) for start, end in rows if start and end)


def queue_inputs_measure(*, language: str, category: str) -> QueueInputs:
    """The estimate's inputs, measured now (and remembered for queue_inputs)."""
    now = timezone.now()
    agents: list[Agent] = list(agents_skilled(language=language, category=category))
    loads = agent_loads(a.pk for a in agents)
    arrivals = ChatSession.objects.filter(
        language=language, queued_at__gte=now - MEASURE_WINDOW
    ).count()
    inputs = QueueInputs(
        agents=len(agents),
        servers=sum(a.chat_capacity for a in agents),
        busy=sum(min(loads[a.pk], a.chat_capacity) for a in agents),
        arrival_rate=arrivals / MEASURE_WINDOW.total_seconds(),
        handling_samples=handling_samples(language=language, now=now),
    )
    _inputs_seen[(language, category)] = (time.monotonic(), inputs)
    return inputs


# (language, category) -> (measured at, inputs): a connecting visitor's first frame reuses a
# measurement younger than VIGIL_CHAT_COUNTS_TTL_S instead of five queries of its own.
_inputs_seen: dict[tuple[str, str], tuple[float, QueueInputs]] = {}


def queue_inputs(*, language: str, category: str) -> QueueInputs:
    """The estimate's inputs, at most VIGIL_CHAT_COUNTS_TTL_S old (per process)."""
    seen = _inputs_seen.get((language, category))
    if seen is not None and time.monotonic() - seen[0] < counts_ttl():
        return seen[1]
    return queue_inputs_measure(language=language, category=category)


@functools.lru_cache(maxsize=32)
def _service_rate(samples: tuple[float, ...]) -> float:
    return 1.0 / handling_time(samples)


def queue_frame(*, session: ChatSession, position: int, inputs: QueueInputs) -> dict[str, Any]:
    """The widget's {"type": "queue"} frame for a session at `position`."""
    long_wait_s = float(widget_setting(session, "long_wait_s", LONG_WAIT_S))
    if session.state == State.OFFERED and session.offer_expires_at:
        # An agent is looking at it: the wait is at most what is left of the offer.
        left = (session.offer_expires_at - timezone.now()).total_seconds()
        expected: float = max(0.0, left)
        position = 1
    elif inputs.servers > 0:
        # wait_estimate's expected_wait_s, without its Erlang C figures (the frame does not
        # show them) and with the mean handling time worked out once per pass, not per visitor.
        expected = wait_at_position(
            position=position,
            free=max(inputs.servers - inputs.busy, 0),
            servers=inputs.servers,
            service_rate=_service_rate(inputs.handling_samples),
        )
    else:
        expected = math.inf
    finite = math.isfinite(expected)
    return {
        "type": "queue",
        "position": position,
        "expected_wait_s": round(expected) if finite else None,
        "agents_online": inputs.agents,
        "long_wait": inputs.agents == 0 or not finite or expected > long_wait_s,
        "method": METHOD,
    }


def chat_queue_status(*, session: ChatSession, remember: bool = False) -> dict[str, Any]:
    """The queue frame for one session (waiting or offered); `remember`: as the frame the
    visitor was last sent, so the next pass sends it again only if it changed."""
    position = queue_position(session=session) if session.state == State.WAITING else 1
    inputs = queue_inputs(language=session.language, category=session.category)
    frame = queue_frame(session=session, position=position, inputs=inputs)
    if remember:
        cache.set(_sent_key(session), frame, SENT_TTL)
    return frame


def queue_frames(*, language: str) -> list[tuple[ChatSession, dict[str, Any]]]:
    """(session, frame) for every waiting or offered session of a language, inputs
    measured once per category."""
    measured: dict[str, QueueInputs] = {}
    frames = []
    offered = ChatSession.objects.filter(state=State.OFFERED, language=language)
    in_line = [(1, s) for s in offered.select_related("account")]
    in_line += list(enumerate(waiting_sessions(language=language), start=1))
    for position, session in in_line:
        inputs = measured.get(session.category)
        if inputs is None:
            inputs = measured[session.category] = queue_inputs_measure(
                language=language, category=session.category
            )
        frames.append((session, queue_frame(session=session, position=position, inputs=inputs)))
    return frames


def frame_send(*, session_id: int, frame: dict[str, Any]) -> None:
    """Hand a frame to the visitor's socket(s) through the chat server."""
    from vigil.channels.chat.services import chat_frame_send

    chat_frame_send(session_id=session_id, frame=frame)


SENT_TTL = 900  # seconds a visitor's last queue frame is remembered


def _sent_key(session: ChatSession) -> str:
    # By the token's digest, not the id: ids come back after a rolled-back test or a reset.
    return f"vigil.chat.qframe.{session.token_digest[:32]}"


def chat_queue_broadcast(*, language: str) -> int:
    """Send the waiting and offered sessions of `language` their fresh queue frame, those
    whose frame changed since the last one sent (remembered in the cache, so shared by the
    processes with Redis); returns how many were sent."""
    frames = queue_frames(language=language)
    keys = [_sent_key(session) for session, _ in frames]
    last = cache.get_many(keys) if keys else {}
    changed = {}
    for key, (session, frame) in zip(keys, frames, strict=True):
        if last.get(key) != frame:
            frame_send(session_id=session.pk, frame=frame)
            changed[key] = frame
    if changed:
        cache.set_many(changed, SENT_TTL)
    return len(changed)


def chat_queue_changed(*, language: str) -> None:
    """Offer what can be offered now, then tell every waiting visitor whose place or wait
    changed where they stand. Errors are logged: the periodic job runs the same again within
    seconds."""
    from vigil.routing.chat_offers import chat_dispatch

    try:
        chat_dispatch(language=language)
    except Exception:
        logger.exception("chat dispatch for %s failed", language)
    try:
        chat_queue_broadcast(language=language)
    except Exception:
        logger.exception("queue frames for %s failed", language)


def chat_dispatch_soon(*, language: str) -> None:
    """Ask for a pass (offering and queue frames) over `language` once the current
    transaction commits; passes are coalesced (routing/chat_dispatcher.py)."""
    from vigil.routing.chat_dispatcher import dispatcher

    on_commit(lambda: dispatcher.mark(language))


def counts_ttl() -> float:
    return float(getattr(settings, "VIGIL_CHAT_COUNTS_TTL_S", COUNTS_TTL_S))
