"""REST API: a ticket's thread, replies, notes, message look-up and attachment download."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import Desk, ticket_in
from tests.factories.tickets import ingest
from vigil.channels.models import ChannelAccount
from vigil.tickets.choices import DeliveryStatus, Direction, TicketStatus
from vigil.tickets.models import Message, Ticket
from vigil.tickets.services import NewAttachment, ticket_update

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"statement " * 50


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_reply_then_note_then_the_thread_in_order(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a, text="Where is my USDT?")

    reply = desk.api_a.post(
        f"/tickets/{ticket.pk}/replies",
        {
            "text": "Checking the chain now.",
            "html": "<p>Checking <script>x()</script>now</p>",
            "status": "pending",
            "attachments": [{"filename": "statement.pdf", "content_base64": b64(PDF)}],
        },
    )
    note = desk.api_a.post(f"/tickets/{ticket.pk}/notes", {"text": "Node 3 is lagging"})

    assert reply.status == 201, reply.body
    assert reply.body["direction"] == "outbound"
    assert reply.body["author"] == {"kind": "agent", "id": desk.agent_a.pk, "name": "Alice"}
    assert reply.body["delivery_status"] == DeliveryStatus.PENDING
    assert "<script>" not in reply.body["html"]
    [attachment] = reply.body["attachments"]
    assert attachment["content_type"] == "application/pdf"
    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert attachment["size"] == len(PDF)
    assert note.status == 201 and note.body["direction"] == "note"
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.PENDING

    thread = desk.api_a.get(f"/tickets/{ticket.pk}/messages")
    assert thread.status == 200
    assert [m["direction"] for m in thread.body["items"]] == ["inbound", "outbound", "note"]
    inbound = thread.body["items"][0]
    assert inbound["author"]["kind"] == "customer" and inbound["text"] == "Where is my USDT?"

    download = desk.api_a.get(attachment["url"].removeprefix("/api/v1"))
    assert download.status == 200 and download.body == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]


def test_reply_with_a_forbidden_status_is_a_409_and_stores_nothing(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    response = desk.api_a.post(f"/tickets/{ticket.pk}/replies", {"text": "bye", "status": "closed"})
    assert response.status == 409 and response.body["code"] == "invalid_transition"
    assert not Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND).exists()


def test_empty_reply_or_note_is_a_422(desk: Desk) -> None:
    ticket = ticket_in(desk.team_a)
    assert desk.api_a.post(f"/tickets/{ticket.pk}/replies", {"text": "  "}).status == 422
    assert desk.api_a.post(f"/tickets/{ticket.pk}/notes", {}).status == 422


def test_messages_by_external_id_respect_visibility(desk: Desk) -> None:
    theirs = ticket_in(desk.team_b, external_id="<abc@mail.example>")
    mine = ticket_in(desk.team_a, external_id="<def@mail.example>")

    hidden = desk.api_a.get("/messages", {"external_id": "<abc@mail.example>"})
    assert hidden.status == 200 and hidden.body["items"] == []
    found = desk.api_b.get("/messages", {"external_id": "<abc@mail.example>"})
    assert [m["ticket"] for m in found.body["items"]] == [theirs.pk]
    assert found.body["items"][0]["external_id"] == "<abc@mail.example>"
    by_ticket = desk.api_a.get("/messages", {"ticket": mine.pk})
    assert [m["external_id"] for m in by_ticket.body["items"]] == ["<def@mail.example>"]
    assert desk.api_a.get("/messages", {"ticket": theirs.pk}).body["items"] == []
    both = desk.api_a.get("/messages", {"ticket": mine.pk, "external_id": "nope"})
    assert both.body["items"] == []


def test_messages_need_a_filter(desk: Desk) -> None:
    response = desk.api_a.get("/messages")
    assert response.status == 422 and "ticket" in response.body["message"]


def test_attachment_of_an_invisible_ticket_is_a_404(desk: Desk) -> None:
    result = ingest(attachments=[NewAttachment(filename="id.pdf", content=PDF)])
    ticket = result.ticket
    ticket_update(ticket=ticket, actor=None, team=desk.team_b)
    attachment = result.message.attachments.get()
    assert desk.api_b.get(f"/attachments/{attachment.pk}").status == 200
    denied = desk.api_a.get(f"/attachments/{attachment.pk}")
    assert denied.status == 404 and denied.body["code"] == "not_found"


def test_thread_query_count_does_not_grow_with_messages(desk: Desk) -> None:
    short = ticket_in(desk.team_a)
    long = ticket_in(desk.team_a)
    for n in range(15):
        desk.api_a.post(
            f"/tickets/{long.pk}/notes",
            {
                "text": f"note {n}",
                "attachments": [{"filename": f"n{n}.txt", "content_base64": b64(b"x%d" % n)}],
            },
        )
    desk.api_a.get(f"/tickets/{short.pk}/messages")

    with CaptureQueriesContext(connection) as one:
        assert len(desk.api_a.get(f"/tickets/{short.pk}/messages").body["items"]) == 1
    with CaptureQueriesContext(connection) as many:
        assert len(desk.api_a.get(f"/tickets/{long.pk}/messages").body["items"]) == 16
    assert len(one) == len(many) <= 6, [q["sql"] for q in many.captured_queries]


def test_reply_on_a_channel_without_an_adapter_is_a_409_not_a_500(desk: Desk) -> None:
    # A channel kind nobody has written an adapter for (yet): replies cannot be sent.
    account = ChannelAccount.objects.create(kind="pigeon", name="Pigeon post")
    ticket = ticket_in(desk.team_a, account=account, sender_kind="chat", sender_address="v-1")
    assert ticket.channel == "pigeon"
    response = desk.api_a.post(f"/tickets/{ticket.pk}/replies", {"text": "coo"})
    assert response.status == 409 and response.body["code"] == "channel_unavailable"
    assert desk.api_a.post(f"/tickets/{ticket.pk}/notes", {"text": "ok"}).status == 201
