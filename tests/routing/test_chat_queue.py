"""The chat queue and offering: positions and frames, who gets an offer, expiry, declines,
and two dispatchers at once never offering one chat twice or an agent past capacity."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from tests.routing.chat_helpers import make_chat, make_chat_agent, make_widget
from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent
from vigil.channels.models import ChatSession
from vigil.core.models import Event
from vigil.routing.chat_offers import (
    chat_dispatch,
    chat_offer_decline,
    chat_offers_expire,
    chat_offers_tick,
)
from vigil.routing.chat_queue import chat_queue_status

State = ChatSession.State


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def offered_to(session: ChatSession) -> int | None:
    session.refresh_from_db()
    return session.offered_to_id if session.state == State.OFFERED else None


# --- the queue frame ---------------------------------------------------------------------


@pytest.mark.django_db
def test_frame_positions_and_estimate_follow_the_queue() -> None:
    widget = make_widget()
    agent = make_chat_agent(chat_capacity=2)  # two slots, both busy below
    for _ in range(2):
        make_chat(widget=widget, state=State.ACTIVE, agent=agent)
    first, second = make_chat(widget=widget), make_chat(widget=widget)
    other_language = make_chat(widget=widget, language="ja")

    one, two = chat_queue_status(session=first), chat_queue_status(session=second)
    assert (one["type"], one["method"]) == ("queue", "erlang_c")
    assert (one["position"], two["position"]) == (1, 2)
    assert one["agents_online"] == 1
    # no history: the 300 s handling prior; two slots busy -> k departures at rate 2/300 s
    assert one["expected_wait_s"] == 150
    assert two["expected_wait_s"] == 300
    assert one["long_wait"] is False

    ja = chat_queue_status(session=other_language)
    assert ja["position"] == 1
    assert ja["agents_online"] == 0
    assert ja["expected_wait_s"] is None
    assert ja["long_wait"] is True


@pytest.mark.django_db
def test_measured_handling_times_replace_the_prior() -> None:
    widget = make_widget()
    agent = make_chat_agent(chat_capacity=1)
    now = timezone.now()
    for _ in range(45):  # 45 chats of 60 s: (300*5 + 60*45) / 50 = 84 s
        make_chat(
            widget=widget,
            state=State.ENDED,
            accepted_at=now - timedelta(minutes=5),
            ended_at=now - timedelta(minutes=4),
        )
    make_chat(widget=widget, state=State.ACTIVE, agent=agent)
    waiting = make_chat(widget=widget)
    assert chat_queue_status(session=waiting)["expected_wait_s"] == 84


@pytest.mark.django_db
def test_long_wait_beyond_the_widget_threshold() -> None:
    widget = make_widget(long_wait_s=200)
    agent = make_chat_agent(chat_capacity=2)
    make_chat(widget=widget, state=State.ACTIVE, agent=agent)
    make_chat(widget=widget, state=State.ACTIVE, agent=agent)
    first, second = make_chat(widget=widget), make_chat(widget=widget)
    # two busy slots of 300 s: position 1 waits 150 s, position 2 300 s > 200 s
    assert chat_queue_status(session=first)["expected_wait_s"] == 150
    assert chat_queue_status(session=first)["long_wait"] is False
    assert chat_queue_status(session=second)["expected_wait_s"] == 300
    assert chat_queue_status(session=second)["long_wait"] is True


# --- who gets the offer ------------------------------------------------------------------


@pytest.mark.django_db
def test_offers_respect_language_skill_presence_and_capacity() -> None:
    widget = make_widget()
    ja_only = make_chat_agent(languages=("ja",))
    kyc_only = make_chat_agent(categories=("kyc",))
    make_chat_agent(presence=Presence.OFFLINE)
    right = make_chat_agent(categories=("withdrawal", "deposit"), chat_capacity=2)
    chats = [make_chat(widget=widget) for _ in range(3)]

    offers = chat_dispatch(language="en")

    assert [(o.session_id, o.agent_id) for o in offers] == [
        (chats[0].pk, right.pk),
        (chats[1].pk, right.pk),
    ]
    assert offered_to(chats[2]) is None  # the only skilled agent is full (2 offered)
    assert chats[2].state == State.WAITING
    kyc_chat = make_chat(widget=widget, category="kyc")
    assert [o.agent_id for o in chat_dispatch(language="en")] == [kyc_only.pk]
    assert offered_to(kyc_chat) == kyc_only.pk
    ja_chat = make_chat(widget=widget, language="ja")
    assert [o.agent_id for o in chat_dispatch(language="ja")] == [ja_only.pk]
    assert offered_to(ja_chat) == ja_only.pk


@pytest.mark.django_db
def test_active_chats_count_against_capacity() -> None:
    widget = make_widget()
    busy = make_chat_agent(chat_capacity=1)
    make_chat(widget=widget, state=State.ACTIVE, agent=busy)
    waiting = make_chat(widget=widget)
    assert chat_dispatch(language="en") == []
    free = make_chat_agent(chat_capacity=1)
    assert [o.agent_id for o in chat_dispatch(language="en")] == [free.pk]
    assert offered_to(waiting) == free.pk


@pytest.mark.django_db
def test_least_busy_picks_the_agent_with_most_room() -> None:
    widget = make_widget(routing="least_busy")
    loaded = make_chat_agent(chat_capacity=3)
    idle = make_chat_agent(chat_capacity=3)
    make_chat(widget=widget, state=State.ACTIVE, agent=loaded)
    first, second = make_chat(widget=widget), make_chat(widget=widget)
    chat_dispatch(language="en")
    # idle (0/3) takes the first; then both hold one (1/3): the tie goes in turn -> loaded
    assert offered_to(first) == idle.pk
    assert offered_to(second) == loaded.pk


@pytest.mark.django_db
def test_round_robin_takes_turns_whatever_the_load() -> None:
    widget = make_widget(routing="round_robin")
    agents = sorted([make_chat_agent(chat_capacity=5) for _ in range(3)], key=lambda a: a.pk)
    make_chat(widget=widget, state=State.ACTIVE, agent=agents[1])
    make_chat(widget=widget, state=State.ACTIVE, agent=agents[1])
    chats = [make_chat(widget=widget) for _ in range(5)]
    chat_dispatch(language="en")
    got = [offered_to(c) for c in chats]
    assert got == [agents[0].pk, agents[1].pk, agents[2].pk, agents[0].pk, agents[1].pk]


@pytest.mark.django_db
def test_least_busy_by_default_spreads_evenly() -> None:
    widget = make_widget()
    agents = [make_chat_agent(chat_capacity=5) for _ in range(3)]
    make_chat(widget=widget, state=State.ACTIVE, agent=agents[0])
    make_chat(widget=widget, state=State.ACTIVE, agent=agents[0])
    chats = [make_chat(widget=widget) for _ in range(4)]
    chat_dispatch(language="en")
    loads = {a.pk: 0 for a in agents}
    loads[agents[0].pk] = 2
    for chat in chats:
        loads[offered_to(chat) or 0] += 1
    assert sorted(loads.values()) == [2, 2, 2]


# --- expiry and declines -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_expired_offer_goes_to_the_next_agent(
    django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> None:
    widget = make_widget(offer_timeout_s=30)
    first_agent, second_agent = make_chat_agent(), make_chat_agent()
    chat = make_chat(widget=widget)
    chat_dispatch(language="en")
    chat.refresh_from_db()
    first = chat.offered_to_id
    assert first in (first_agent.pk, second_agent.pk)
    assert chat.offer_expires_at is not None
    assert 29 <= (chat.offer_expires_at - timezone.now()).total_seconds() <= 30

    assert chat_offers_expire(now=timezone.now() + timedelta(seconds=10)) == 0
    assert offered_to(chat) == first
    with django_capture_on_commit_callbacks(execute=True):
        assert chat_offers_expire(now=timezone.now() + timedelta(seconds=31)) == 1
    following = offered_to(chat)
    assert following is not None and following != first
    withdrawn = Event.objects.filter(type="chat.offer_withdrawn").get()
    assert (withdrawn.agent_id, withdrawn.payload["reason"]) == (first, "expired")
    assert (withdrawn.team_id, withdrawn.payload["session_id"]) == (0, chat.pk)


@pytest.mark.django_db
def test_a_declined_chat_goes_to_someone_else_then_back_when_nobody_else_is_left(
    django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> None:
    widget = make_widget()
    ann, bo = make_chat_agent(), make_chat_agent()
    chat = make_chat(widget=widget)
    chat_dispatch(language="en")
    chat.refresh_from_db()
    assert chat.offered_to_id is not None
    first = Agent.objects.get(pk=chat.offered_to_id)
    second = bo if first == ann else ann
    with django_capture_on_commit_callbacks(execute=True):
        assert chat_offer_decline(session=chat, agent=first)
    assert offered_to(chat) == second.pk
    assert not chat_offer_decline(session=chat, agent=first)  # not theirs any more
    with django_capture_on_commit_callbacks(execute=True):
        assert chat_offer_decline(session=chat, agent=second)
    # everyone declined: better offered again than left waiting for ever
    assert offered_to(chat) in (ann.pk, bo.pk)


@pytest.mark.django_db
def test_tick_expires_offers_and_sends_every_waiting_visitor_a_frame(
    django_capture_on_commit_callbacks: Any, frames: list[Any]
) -> None:
    widget = make_widget()
    make_chat_agent(chat_capacity=1)
    chats = [make_chat(widget=widget) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        chat_offers_tick()
    by_session = {sid: f for sid, f in frames}
    assert set(by_session) == {c.pk for c in chats}
    assert by_session[chats[0].pk]["position"] == 1  # offered: an agent looks at it
    assert by_session[chats[1].pk]["position"] == 1  # first of those still waiting
    assert by_session[chats[2].pk]["position"] == 2
    assert by_session[chats[2].pk]["expected_wait_s"] == 600  # 2 departures, 1 slot, 300 s


# --- two dispatchers at once -------------------------------------------------------------


def _race(workers: int, target: Any) -> list[BaseException]:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            target()
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_never_double_offer_nor_overfill() -> None:
    widget = make_widget()
    agents = [make_chat_agent(chat_capacity=2) for _ in range(3)]
    chats = [make_chat(widget=widget) for _ in range(10)]
    made: list[Any] = []

    def dispatch() -> None:
        made.extend(chat_dispatch(language="en"))

    errors = _race(4, dispatch)
    assert errors == []
    offered = ChatSession.objects.filter(state=State.OFFERED)
    assert offered.count() == 6  # three agents, two slots each
    assert len(made) == 6  # each offer made once, by one of the dispatchers
    assert len({o.session_id for o in made}) == 6
    for agent in agents:
        assert offered.filter(offered_to=agent).count() == 2
    # the oldest six, in queue order
    assert set(offered.values_list("pk", flat=True)) == {c.pk for c in chats[:6]}
    assert Event.objects.filter(type="chat.offered").count() == 6
    if connection.vendor == "postgresql":
        assert connection.features.has_select_for_update_skip_locked


@pytest.mark.django_db
def test_a_full_desk_costs_a_few_queries_however_long_the_queue(
    django_assert_max_num_queries: Any,
) -> None:
    widget = make_widget()
    agent = make_chat_agent(chat_capacity=1)
    make_chat(widget=widget, state=State.ACTIVE, agent=agent)
    for _ in range(30):
        make_chat(widget=widget)
    with django_assert_max_num_queries(4):
        assert chat_dispatch(language="en") == []


@pytest.mark.django_db
def test_a_category_nobody_can_take_does_not_block_the_others() -> None:
    widget = make_widget()
    agent = make_chat_agent(categories=("withdrawal",), chat_capacity=1)
    kyc = [make_chat(widget=widget, category="kyc") for _ in range(3)]
    withdrawal = make_chat(widget=widget, category="withdrawal")
    assert [(o.session_id, o.agent_id) for o in chat_dispatch(language="en")] == [
        (withdrawal.pk, agent.pk)
    ]
    assert all(offered_to(c) is None for c in kyc)
