# ruff: noqa: F811 - pytest fixtures are imported by name
"""Chat services end to end: agent replies reach the visitor and notes do not, leaving a
message, ending with a transcript mail, transfer, concurrent resends, the reset path."""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import close_old_connections
from django.utils import timezone

from tests.channels.chat.helpers import connect, events, hello, quiet, recv, send, until
from tests.channels.email.transport import (  # noqa: F401 - fixtures
    SinkServer,
    sink,
    support,
)
from tests.factories.accounts import make_agent, make_team
from tests.factories.chat import make_widget, start_chat
from vigil.channels.chat.consumers import ChatConsumer
from vigil.channels.chat.events import chat_stream
from vigil.channels.chat.seen import flush_noted
from vigil.channels.chat.services import (
    Ack,
    chat_agent_join,
    chat_end,
    chat_leave_message,
    chat_message_receive,
    chat_transfer,
    chats_end_abandoned,
)
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.channels.selectors import reply_route
from vigil.core.broadcast import broadcaster
from vigil.core.models import Event
from vigil.tickets.choices import DeliveryStatus, Direction
from vigil.tickets.models import Message, Ticket
from vigil.tickets.services import message_deliver, message_reply, note_add

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def _ticket(session: ChatSession) -> Ticket:
    return Ticket.objects.select_related("customer", "team", "assignee").get(pk=session.ticket_id)


def test_agent_reply_reaches_the_visitor_at_once_and_notes_never_do() -> None:
    started = start_chat()
    agent = make_agent(display_name="Mei")
    chat_agent_join(session=started.session, agent=agent)

    async def scenario() -> None:
        socket = await connect(started.session.account.address)
        frames = await hello(socket, token=started.token, since=1)
        assert [(e["seq"], e["event"]) for e in events(frames)] == [(2, "agent_joined")]
        assert events(frames)[0]["payload"] == {"agent_name": "Mei"}
        ticket = await db(_ticket)(started.session)
        await db(note_add)(ticket=ticket, agent=agent, text="VIP, check the hot wallet")
        reply = await db(message_reply)(ticket=ticket, agent=agent, text="Checking it now")
        got = await recv(socket)
        assert (got["seq"], got["event"]) == (3, "message")
        assert got["payload"]["id"] == reply.pk and got["payload"]["author"] == "agent"
        assert got["payload"]["agent_name"] == "Mei"
        assert got["payload"]["text"] == "Checking it now"
        assert await quiet(socket)
        await socket.disconnect()

    run(scenario)
    # Delivered by the commit hook, not a worker: no task had to run.
    assert Message.objects.get(text="Checking it now").delivery_status == DeliveryStatus.SENT
    texts = [e.payload.get("text") for e in Event.objects.filter(stream__name__startswith="chat:")]
    assert "VIP, check the hot wallet" not in texts


def test_a_retried_delivery_publishes_the_reply_once() -> None:
    """The first attempt publishes without looking the message up; a retry (the first attempt
    published, then failed before recording it) finds the event and adds none."""
    started = start_chat()
    agent = make_agent()
    chat_agent_join(session=started.session, agent=agent)
    reply = message_reply(ticket=_ticket(started.session), agent=agent, text="On it")
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.delivery_attempts) == (DeliveryStatus.SENT, 1)
    Message.objects.filter(pk=reply.pk).update(delivery_status=DeliveryStatus.PENDING)
    assert message_deliver(message_id=reply.pk) is None
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.delivery_attempts) == (DeliveryStatus.SENT, 2)
    published = Event.objects.filter(
        stream__name=chat_stream(started.session.pk), type="chat.message", payload__id=reply.pk
    )
    assert published.count() == 1


def test_a_failed_instant_delivery_leaves_the_reply_to_the_worker() -> None:
    """The reply is delivered inside its own transaction; when that fails (here the chat's
    session is gone) the reply is still stored, pending, and the worker's retry records the
    outcome as for any other channel."""
    started = start_chat()
    agent = make_agent()
    chat_agent_join(session=started.session, agent=agent)
    ticket = _ticket(started.session)
    ChatSession.objects.filter(pk=started.session.pk).delete()
    reply = message_reply(ticket=ticket, agent=agent, text="Are you still there?")
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.delivery_attempts) == (DeliveryStatus.PENDING, 0)
    assert message_deliver(message_id=reply.pk) is None
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "no chat session" in reply.delivery_error


def test_leave_message_without_agents_becomes_an_email_followed_ticket(
    support: ChannelAccount,
) -> None:
    widget = make_widget()

    async def scenario() -> None:
        socket = await connect(widget.address)
        await hello(socket)
        leave = {"type": "leave_message", "client_id": "l1", "email": "Bo@Example.com"}
        form = {"language": "ja", "category": "withdrawal", "uid": "U-778", "name": "Bo"}
        await send(socket, {**leave, **form, "text": "Nobody here; please e-mail me"})
        started = await recv(socket)
        assert started["type"] == "started" and started["session"]["state"] == "left_message"
        assert (await recv(socket))["type"] == "ack"
        got = [await recv(socket), await recv(socket)]
        assert [(e["seq"], e["event"]) for e in got] == [(1, "message"), (2, "left_message")]
        assert got[1]["payload"]["email"] == "bo@example.com"
        assert got[1]["payload"]["ticket"].startswith("VG-")
        await socket.disconnect()

    run(scenario)
    session = ChatSession.objects.get(account=widget)
    ticket = _ticket(session)
    assert ticket.status == "new" and ticket.awaiting_agent
    # What the pre-chat form said is kept although no chat was ever open.
    assert (session.language, session.category) == ("ja", "withdrawal")
    assert (ticket.language, ticket.category) == ("ja", "withdrawal")
    assert ticket.customer.uid == "U-778"
    route = reply_route(ticket=ticket)
    assert route is not None and route.kind == "email" and route.account == support


def test_leaving_a_message_while_waiting_links_the_address() -> None:
    started = start_chat()
    ack = chat_leave_message(
        account=started.session.account,
        session=started.session,
        client_id="l2",
        email="carol@example.com",
        text="I have to go; write to me",
    )
    session = ChatSession.objects.get(pk=started.session.pk)
    assert session.state == "left_message" and session.email == "carol@example.com"
    assert isinstance(ack, Ack) and ack.seq == 2  # the message; the left_message event is 3
    assert list(
        Event.objects.filter(stream__name=chat_stream(session.pk)).values_list("type", flat=True)
    ) == ["chat.message", "chat.message", "chat.left_message"]
    ticket = _ticket(session)
    assert ticket.customer.identities.filter(kind="email", address="carol@example.com").exists()


def test_end_mails_the_transcript_in_the_chat_language(
    support: ChannelAccount, sink: SinkServer, run_tasks: Callable[[], int]
) -> None:
    started = start_chat(language="ja", email="dan@example.com", text="出金が届きません")
    agent = make_agent(display_name="Ken")
    chat_agent_join(session=started.session, agent=agent)
    message_reply(ticket=_ticket(started.session), agent=agent, text="確認します")
    chat_end(session=started.session, by="agent", actor=agent)
    chat_end(session=started.session, by="agent", actor=agent)  # twice: nothing more
    ended = Event.objects.filter(stream__name=chat_stream(started.session.pk), type="chat.ended")
    assert [e.payload for e in ended] == [{"by": "agent", "transcript_to": "dan@example.com"}]
    run_tasks()
    run_tasks()
    assert len(sink.mails) == 1
    assert sink.mails[0].rcpt_tos == ["dan@example.com"]
    mail = message_from_bytes(sink.mails[0].data, policy=policy.default)
    assert "チャット記録" in str(mail["Subject"])
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "お客様: 出金が届きません" in text and "Ken: 確認します" in text
    transcript = Message.objects.get(metadata__auto="chat_transcript")
    assert transcript.delivery_status == DeliveryStatus.SENT
    assert transcript.direction == Direction.OUTBOUND
    # The visitor is gone; they gave an address, so later replies go by e-mail.
    route = reply_route(ticket=_ticket(started.session))
    assert route is not None and (route.kind, route.account) == ("email", support)


def test_visitor_end_and_a_message_after_it() -> None:
    started = start_chat()

    async def scenario() -> None:
        socket = await connect(started.session.account.address)
        await hello(socket, token=started.token, since=1)
        await send(socket, {"type": "end"})
        got = await recv(socket)
        assert got["event"] == "ended" and got["payload"] == {
            "by": "customer",
            "transcript_to": None,
        }
        await send(socket, {"type": "message", "client_id": "late", "text": "hello?"})
        error = await recv(socket)
        assert (error["type"], error["code"], error["client_id"]) == ("error", "ended", "late")
        await socket.disconnect()

    run(scenario)


def test_transfer_to_an_agent_and_to_a_team() -> None:
    started = start_chat()
    first = make_agent(display_name="Ann", presence="offline")
    second = make_agent(display_name="Raj", presence="offline")
    chat_agent_join(session=started.session, agent=first)
    chat_transfer(session=started.session, actor=first, agent=second)
    session = ChatSession.objects.get(pk=started.session.pk)
    assert session.state == "active" and session.agent == second
    assert _ticket(session).assignee == second
    team = make_team(name="Tier 2")
    chat_transfer(session=session, actor=second, team=team)
    session.refresh_from_db()
    assert session.state == "waiting" and session.agent is None
    assert _ticket(session).team == team and _ticket(session).assignee is None
    payloads = [
        (e.type, e.payload)
        for e in Event.objects.filter(stream__name=chat_stream(session.pk)).order_by("seq")[1:]
    ]
    assert payloads == [
        ("chat.agent_joined", {"agent_name": "Ann"}),
        ("chat.transferred", {"agent_name": "Raj", "team": None}),
        ("chat.transferred", {"agent_name": None, "team": "Tier 2"}),
    ]


def test_twenty_concurrent_resends_store_one_message_with_one_ack() -> None:
    started = start_chat()
    acks: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    gate = threading.Barrier(20)

    def resend() -> None:
        try:
            session = ChatSession.objects.select_related("account", "ticket").get(
                pk=started.session.pk
            )
            gate.wait(10)
            ack = chat_message_receive(session=session, client_id="same", text="Still waiting")
            acks.append((ack.message_id, ack.seq))
        except BaseException as exc:  # asserted below
            errors.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=resend) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(acks) == 20 and len(set(acks)) == 1
    assert Message.objects.filter(ticket_id=started.session.ticket_id).count() == 2
    stream = Event.objects.filter(stream__name=chat_stream(started.session.pk))
    assert sorted(stream.values_list("seq", flat=True)) == [1, 2]


def test_a_visitor_behind_the_retained_log_gets_the_transcript_then_reset() -> None:
    started = start_chat()
    session = started.session
    for n in range(3):
        chat_message_receive(session=session, client_id=f"m{n}", text=f"line {n}")
    Event.objects.filter(stream__name=chat_stream(session.pk), seq__lte=2).delete()  # pruned

    async def scenario() -> None:
        socket = await connect(session.account.address)
        frames = await hello(socket, token=started.token, since=1)
        assert frames[-1] == {"type": "reset", "seq": 4}
        transcript = events(frames)
        assert {e["seq"] for e in transcript} == {0}
        assert [e["payload"]["text"] for e in transcript][1:] == ["line 0", "line 1", "line 2"]
        await send(socket, {"type": "message", "client_id": "after", "text": "after reset"})
        got = await until(socket, {"event"})
        assert got[-1]["seq"] == 5
        await socket.disconnect()

    run(scenario)
    assert broadcaster.flush()


def test_chats_whose_visitor_went_quiet_end_by_the_system() -> None:
    now = timezone.now()
    gone = start_chat(email="gone@example.com").session  # waiting, silent 4 min
    short = start_chat().session  # waiting, silent 1 min: a flaky phone, kept
    talking = start_chat().session  # active, silent 4 min: kept (agents get longer)
    left = start_chat().session  # active, silent 20 min
    agent = make_agent()
    for session in (talking, left):
        chat_agent_join(session=session, agent=agent)
    for session, quiet_for in ((gone, 4), (short, 1), (talking, 4), (left, 20)):
        ChatSession.objects.filter(pk=session.pk).update(
            visitor_seen_at=now - timedelta(minutes=quiet_for)
        )
    assert chats_end_abandoned() == 2
    states = dict(ChatSession.objects.values_list("pk", "state"))
    assert states[short.pk] in ("waiting", "offered")  # offered meanwhile to the online agent
    assert [states[s.pk] for s in (gone, talking, left)] == ["ended", "active", "ended"]
    ended = Event.objects.get(stream__name=chat_stream(gone.pk), type="chat.ended")
    assert ended.payload["by"] == "system" and ended.payload["transcript_to"] == "gone@example.com"
    assert chats_end_abandoned() == 0  # idempotent


def test_later_frames_mark_the_session_seen_in_one_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """After the attach, a socket's frames only note the visitor; the process writes every
    noted session in one UPDATE (chat/seen.py)."""
    monkeypatch.setattr(ChatConsumer, "seen_every", 0.0)
    chats = [start_chat(), start_chat()]
    stale = timezone.now() - timedelta(hours=1)

    def seen() -> list[datetime | None]:
        rows = ChatSession.objects.filter(pk__in=[c.session.pk for c in chats])
        return [s.visitor_seen_at for s in rows.order_by("pk")]

    async def scenario() -> None:
        sockets = [await connect(c.session.account.address) for c in chats]
        for socket, chat in zip(sockets, chats, strict=True):
            await hello(socket, token=chat.token)
        await db(lambda: ChatSession.objects.update(visitor_seen_at=stale))()
        for socket in sockets:
            await send(socket, {"type": "ping"})
            assert (await recv(socket))["type"] == "pong"
        assert await db(seen)() == [stale, stale]  # noted, not written yet
        assert await flush_noted() == 2
        assert all(at is not None and at > stale for at in await db(seen)())
        assert await flush_noted() == 0
        for socket in sockets:
            await socket.disconnect()

    run(scenario)


def test_the_visitor_socket_marks_the_session_seen() -> None:
    started = start_chat()
    stale = timezone.now() - timedelta(hours=1)
    ChatSession.objects.filter(pk=started.session.pk).update(visitor_seen_at=stale)

    async def scenario() -> None:
        socket = await connect(started.session.account.address)
        await hello(socket, token=started.token)
        await socket.disconnect()

    run(scenario)
    seen = ChatSession.objects.get(pk=started.session.pk).visitor_seen_at
    assert seen is not None and seen > stale + timedelta(minutes=59)
