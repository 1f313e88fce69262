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
from vigil.routing import chat_queue
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


@pytest.fixture
def frames(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, dict[str, Any]]]:
    sent: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(
        chat_queue, "frame_send", lambda *, session_id, frame: sent.append((session_id, frame))
    )
    return sent


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
