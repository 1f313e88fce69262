"""Coalesced queue passes: a burst of queue changes makes one pass, queue frames go only to
visitors whose place or wait changed, and agent counts are reused for a moment."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.cache import cache

from tests.routing.chat_helpers import make_chat, make_chat_agent, make_widget
from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent
from vigil.channels.chat.selectors import chat_online
from vigil.channels.models import ChatSession
from vigil.routing.chat_dispatcher import ChatDispatcher
from vigil.routing.chat_queue import (
    QueueInputs,
    chat_queue_broadcast,
    chat_queue_status,
    queue_frame,
)
from vigil.routing.waits import wait_estimate

State = ChatSession.State


@pytest.fixture(autouse=True)
def _fresh_cache(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_burst_of_queue_changes_makes_one_pass_per_language(settings: Any) -> None:
    settings.VIGIL_CHAT_DISPATCH_S = 0.2
    ran: list[str] = []
    done = threading.Event()

    def run(language: str) -> None:
        ran.append(language)
        done.set()

    dispatcher = ChatDispatcher(run)
    for _ in range(50):  # fifty chats start at once
        dispatcher.mark("en")
    dispatcher.mark("ja")
    assert ran == []  # nothing inline: the pass waits for the burst to gather
    _wait_for(lambda: len(ran) >= 2)
    time.sleep(0.5)  # room for any extra pass to show up
    assert sorted(ran) == ["en", "ja"]
    assert dispatcher.passes == 2

    done.clear()
    dispatcher.mark("en")  # a later change gets a pass of its own
    assert done.wait(5)
    assert ran[-1] == "en" and dispatcher.passes == 3


def test_without_a_delay_every_change_passes_inline(settings: Any) -> None:
    settings.VIGIL_CHAT_DISPATCH_S = 0
    ran: list[str] = []
    dispatcher = ChatDispatcher(ran.append)
    dispatcher.mark("en")
    dispatcher.mark("en")
    assert ran == ["en", "en"]


@pytest.mark.django_db
def test_frames_go_only_to_visitors_whose_place_or_wait_changed(frames: list[Any]) -> None:
    widget = make_widget()
    make_chat_agent(chat_capacity=1, presence=Presence.ONLINE)
    make_chat(widget=widget, state=State.ACTIVE, agent=Agent.objects.get())  # the desk is full
    chats = [make_chat(widget=widget) for _ in range(3)]

    assert chat_queue_broadcast(language="en") == 3
    assert [sid for sid, _ in frames] == [c.pk for c in chats]
    frames.clear()
    assert chat_queue_broadcast(language="en") == 0  # nothing changed, nothing sent
    assert frames == []

    # A chat joins at the back: those ahead keep their place and wait.
    late = make_chat(widget=widget)
    assert chat_queue_broadcast(language="en") == 1
    assert [(sid, f["position"]) for sid, f in frames] == [(late.pk, 4)]


@pytest.mark.django_db
def test_a_place_change_reaches_every_visitor_behind_it(frames: list[Any]) -> None:
    widget = make_widget()
    make_chat_agent(chat_capacity=1, presence=Presence.ONLINE)
    make_chat(widget=widget, state=State.ACTIVE, agent=Agent.objects.get())
    first, *behind = [make_chat(widget=widget) for _ in range(4)]
    chat_queue_broadcast(language="en")
    frames.clear()

    ChatSession.objects.filter(pk=first.pk).update(state=State.ENDED)  # the first one leaves
    assert chat_queue_broadcast(language="en") == 3
    assert [(sid, f["position"]) for sid, f in frames] == [
        (chat.pk, n) for n, chat in enumerate(behind, start=1)
    ]


@pytest.mark.django_db
def test_the_frame_a_visitor_got_on_connecting_is_not_sent_again(frames: list[Any]) -> None:
    widget = make_widget()
    make_chat_agent(presence=Presence.OFFLINE)
    chat = make_chat(widget=widget)
    status = chat_queue_status(session=chat, remember=True)
    assert chat_queue_broadcast(language="en") == 0
    Agent.objects.update(presence=Presence.ONLINE)  # someone can take it now
    assert chat_queue_broadcast(language="en") == 1
    assert frames[0][1]["agents_online"] == 1 and status["agents_online"] == 0


@pytest.mark.django_db
def test_agent_counts_are_reused_for_a_moment(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.VIGIL_CHAT_COUNTS_TTL_S = 60
    widget = make_widget()
    make_chat_agent(presence=Presence.ONLINE)
    chat = make_chat(widget=widget)
    chat_online(widget)
    chat_queue_status(session=chat)
    with django_assert_num_queries(1):  # the position; the agent counts are reused
        assert chat_queue_status(session=chat)["agents_online"] == 1
    with django_assert_num_queries(0):
        assert chat_online(widget)["en"] is True

    settings.VIGIL_CHAT_COUNTS_TTL_S = 0  # past their time: measured again
    Agent.objects.update(presence=Presence.OFFLINE)
    assert chat_queue_status(session=chat)["agents_online"] == 0
    assert chat_online(widget)["en"] is False


@pytest.mark.django_db
def test_the_frame_carries_the_models_expected_wait() -> None:
    chat = make_chat(widget=make_widget(long_wait_s=10**6))
    for servers, busy, samples in [(1, 1, ()), (3, 2, (100.0, 250.0)), (5, 9, (60.0,) * 30)]:
        inputs = QueueInputs(
            agents=2, servers=servers, busy=busy, arrival_rate=0.01, handling_samples=samples
        )
        for position in (1, 2, 7):
            model = wait_estimate(
                position=position,
                servers=servers,
                busy=busy,
                arrival_rate=0.01,
                handling_samples=samples,
            )
            frame = queue_frame(session=chat, position=position, inputs=inputs)
            assert frame["expected_wait_s"] == round(model.expected_wait_s)
