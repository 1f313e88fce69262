"""Transient frames both ways: visitor typing/read reach the chat's agent, frames sent with
chat_frame_send reach the visitor verbatim; nothing of it is stored. Stale uploads go."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from tests.channels.chat.helpers import connect, hello, recv, send
from tests.factories.accounts import make_agent
from tests.factories.chat import start_chat
from vigil.channels.chat.services import chat_agent_join, chat_frame_send, chat_upload_store
from vigil.channels.chat.tasks import prune_chat_uploads
from vigil.channels.models import ChatSession, ChatUpload
from vigil.core.models import Event

pytestmark = pytest.mark.django_db(transaction=True)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def test_visitor_typing_and_read_reach_the_agent_and_agent_frames_reach_the_visitor() -> None:
    started = start_chat()
    agent = make_agent()
    chat_agent_join(session=started.session, agent=agent)
    session_id = started.session.pk
    events_before = Event.objects.count()

    async def scenario() -> None:
        layer = get_channel_layer()
        assert layer is not None
        desk = await layer.new_channel()
        await layer.group_add(f"agentlive.{agent.pk}", desk)
        socket = await connect(started.session.account.address)
        await hello(socket, token=started.token, since=2)
        await send(socket, {"type": "typing", "on": True})
        got = await layer.receive(desk)
        assert got == {
            "type": "desk.frame",
            "frame": {"type": "chat_typing", "session": session_id, "on": True},
        }
        await send(socket, {"type": "read", "seq": 2})
        got = await layer.receive(desk)
        assert got["frame"] == {"type": "chat_read", "session": session_id, "seq": 2}
        await database_sync_to_async(chat_frame_send)(
            session_id=session_id, frame={"type": "typing", "on": True, "agent_name": "Mei"}
        )
        assert await recv(socket) == {"type": "typing", "on": True, "agent_name": "Mei"}
        await socket.disconnect()

    run(scenario)
    assert ChatSession.objects.get(pk=session_id).customer_read_seq == 2
    assert Event.objects.count() == events_before  # nothing transient was stored


def test_uploads_no_message_carried_are_pruned_after_a_day() -> None:
    started = start_chat()
    old = chat_upload_store(session=started.session, filename="old.png", content=PNG)
    fresh = chat_upload_store(session=started.session, filename="new.png", content=PNG + b"1")
    ChatUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    storage = ChatUpload.file.field.storage
    old_name, fresh_name = str(old.file.name), str(fresh.file.name)
    assert storage.exists(old_name)
    assert prune_chat_uploads.call() == 1
    assert list(ChatUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not storage.exists(old_name) and storage.exists(fresh_name)
    assert prune_chat_uploads.call() == 0  # twice changes nothing
