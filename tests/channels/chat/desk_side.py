"""The desk's side of the widget's browser tests (test_widget_browser.py), driven through its
services rather than a browser: chats ahead in the queue opened and served, an agent's
replies, typing and read marks, an agent coming online, and what the visitor's chat stored."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.tickets.choices import Direction
from vigil.tickets.models import Message


def chat_of(ticket_text: str) -> ChatSession:
    message = Message.objects.filter(text=ticket_text, direction=Direction.INBOUND).get()
    return ChatSession.objects.select_related("account", "ticket").get(ticket_id=message.ticket_id)


def queue_changed(language: str = "en") -> None:
    from vigil.routing.chat_queue import chat_queue_changed

    chat_queue_changed(language=language)


def serve(session: ChatSession, agent: Agent) -> None:
    """An agent takes a waiting chat; the queue moves up."""
    from vigil.channels.chat.services import chat_agent_join

    chat_agent_join(session=session, agent=agent)
    queue_changed(session.language)


def reply(session: ChatSession, agent: Agent, text: str) -> Message:
    from vigil.tickets.services import message_reply

    session.ticket.refresh_from_db()
    return message_reply(ticket=session.ticket, agent=agent, text=text)


def open_chat(account: ChannelAccount, text: str) -> ChatSession:
    """Another visitor's chat, opened as the socket would open it."""
    from vigil.channels.chat.services import chat_start

    return chat_start(
        account=account, client_id=str(uuid.uuid4()), text=text, language="en"
    ).session


def inbound_texts(session: ChatSession) -> list[str]:
    return list(
        Message.objects.filter(ticket_id=session.ticket_id, direction=Direction.INBOUND)
        .order_by("id")
        .values_list("text", flat=True)
    )


def wait_for(predicate: Callable[[], bool], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def attachments_of(session: ChatSession) -> list[tuple[str, str, int]]:
    from vigil.tickets.models import Attachment

    return list(
        Attachment.objects.filter(message__ticket_id=session.ticket_id)
        .order_by("id")
        .values_list("filename", "content_type", "size")
    )


def come_online(agent: Agent) -> None:
    """The agent goes online; the queue is dispatched again (offers to them)."""
    Agent.objects.filter(pk=agent.pk).update(presence=Presence.ONLINE)
    queue_changed(agent.languages[0])


def typing(session: ChatSession, agent: Agent, on: bool) -> None:
    from vigil.routing.chat_agent import chat_agent_typing

    session.refresh_from_db()
    chat_agent_typing(session=session, agent=agent, on=on)


def read_up_to(session: ChatSession, agent: Agent, message_id: int) -> None:
    from vigil.routing.chat_agent import chat_agent_read

    session.refresh_from_db()
    chat_agent_read(session=session, agent=agent, message_id=message_id)


def last_inbound_id(session: ChatSession) -> int:
    return int(
        Message.objects.filter(ticket_id=session.ticket_id, direction=Direction.INBOUND)
        .order_by("-id")
        .values_list("id", flat=True)[0]
    )
