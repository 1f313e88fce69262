"""The ticket view: thread, side panels, every form's write and its 4xx path, attachments."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.console.conftest import Desk, login, ticket_in
from tests.factories.tickets import ingest
from vigil.channels.models import ChannelAccount
from vigil.tickets.choices import ActivityKind, Category, Direction, Priority, TicketStatus
from vigil.tickets.models import Attachment, Message, Ticket, TicketActivity
from vigil.tickets.services import NewAttachment, message_reply, note_add

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, ticket: Ticket, *args: str) -> str:
    return reverse(f"console:{name}", args=[ticket.pk, *args])


def test_thread_shows_every_kind_of_message_distinctly(desk: Desk, client_ann: Client) -> None:
    ticket = desk.en_ticket
    ingest(
        ticket=ticket,
        text="",
        html="<p>Still <b>nothing</b><script>alert(1)</script></p>",
        sender_address=ticket.customer.email,
        attachments=[NewAttachment(filename="proof.png", content=PNG)],
    )
    message_reply(ticket=ticket, agent=desk.agent, text="We are on it.\nHang tight.")
    note_add(ticket=ticket, agent=desk.colleague, text="Checked the node <b>logs</b>")
    body = client_ann.get(url("ticket", ticket)).content.decode()
    assert body.count('class="msg msg-inbound"') == 2
    assert body.count('class="msg msg-outbound"') == 1
    assert body.count('class="msg msg-note"') == 1
    assert "Still <b>nothing</b>" in body  # stored sanitized html, shown as html
    assert "<script>alert(1)" not in body
    assert "We are on it.<br>Hang tight." in body  # text gets line breaks
    assert "Checked the node &lt;b&gt;logs&lt;/b&gt;" in body  # text is escaped
    attachment = Attachment.objects.get(filename="proof.png")
    assert reverse("console:attachment", args=[attachment.pk]) in body
    assert "/media/" not in body


def test_side_panels_show_customer_and_activity(desk: Desk, client_ann: Client) -> None:
    ticket = desk.en_ticket
    other = ingest(sender_address=ticket.customer.email, subject="Second problem").ticket
    body = client_ann.get(url("ticket", ticket)).content.decode()
    assert ticket.customer.email in body  # identity
    assert other.reference in body and "Second problem" in body  # other tickets
    assert "Ticket created via API" in body  # activity
    assert "Team changed: no team → English support" in body


def test_other_teams_ticket_is_a_404_everywhere(desk: Desk, client_ann: Client) -> None:
    ticket = desk.zh_ticket
    assert client_ann.get(url("ticket", ticket)).status_code == 404
    assert client_ann.get(url("ticket_part", ticket, "thread"), **HX).status_code == 404
    response = client_ann.post(url("ticket_reply", ticket), {"text": "hi"}, **HX)
    assert response.status_code == 404
    assert client_ann.post(url("ticket_note", ticket), {"text": "x"}).status_code == 404
    assert (
        client_ann.post(url("ticket_field", ticket, "priority"), {"priority": "4"}).status_code
        == 404
    )
    assert not Message.objects.filter(ticket=ticket).exclude(direction=Direction.INBOUND).exists()
    assert Ticket.objects.get(pk=ticket.pk).priority == Priority.NORMAL
    assert client_ann.get(reverse("console:ticket", args=[999999])).status_code == 404
    assert login(desk.zh_agent).get(url("ticket", ticket)).status_code == 200


def test_attachment_download_is_permission_checked(desk: Desk, client_ann: Client) -> None:
    result = ingest(
        ticket=desk.zh_ticket,
        sender_address="wang@example.cn",
        attachments=[NewAttachment(filename="statement.pdf", content=b"%PDF-1.4 fake")],
    )
    attachment = result.message.attachments.get()
    path = reverse("console:attachment", args=[attachment.pk])
    assert client_ann.get(path).status_code == 404
    response = login(desk.zh_agent).get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 fake"  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_image_attachment_is_shown_inline(desk: Desk, client_ann: Client) -> None:
    result = ingest(
        ticket=desk.en_ticket,
        sender_address=desk.en_ticket.customer.email,
        attachments=[NewAttachment(filename="shot.png", content=PNG)],
    )
    response = client_ann.get(
        reverse("console:attachment", args=[result.message.attachments.get().pk])
    )
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")


# --- reply and note ------------------------------------------------------------------------


def test_reply_with_status_and_file(desk: Desk, client_ann: Client) -> None:
    ticket = desk.en_ticket
    upload = SimpleUploadedFile("howto.png", PNG, content_type="text/plain")
    response = client_ann.post(
        url("ticket_reply", ticket),
        {"text": "Your withdrawal is confirmed.", "status": "pending", "uploads": [upload]},
        **HX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "vigil:ticket-changed"
    assert response.content.decode().lstrip().startswith('<section id="composer"')
    reply = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert reply.text == "Your withdrawal is confirmed."
    assert reply.author_agent == desk.agent
    assert [(a.filename, a.content_type) for a in reply.attachments.all()] == [
        ("howto.png", "image/png")
    ]
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING
    assert ticket.assignee == desk.agent


def test_empty_reply_is_422_inline_and_stores_nothing(desk: Desk, client_ann: Client) -> None:
    response = client_ann.post(url("ticket_reply", desk.en_ticket), {"text": "  "}, **HX)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'role="alert"' in body and "Write a reply or attach a file." in body
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


def test_reply_with_forbidden_status_is_409_and_rolls_back(desk: Desk, client_ann: Client) -> None:
    ticket = desk.en_ticket
    response = client_ann.post(
        url("ticket_reply", ticket), {"text": "Done", "status": "closed"}, **HX
    )
    assert response.status_code == 422  # not offered for a new ticket: the form refuses
    message_reply(ticket=ticket, agent=desk.agent, text="first", status=TicketStatus.SOLVED)
    response = client_ann.post(
        url("ticket_reply", ticket), {"text": "Again", "status": "pending"}, **HX
    )
    assert response.status_code == 422
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1


def test_reply_on_a_channel_that_cannot_send_is_a_4xx_inline(
    desk: Desk, client_ann: Client
) -> None:
    account = ChannelAccount.objects.create(kind="pigeon", name="Pigeon post")
    ticket = ticket_in(desk.en, account=account, sender_kind="chat", sender_address="v-9")
    response = client_ann.post(url("ticket_reply", ticket), {"text": "coo"}, **HX)
    assert 400 <= response.status_code < 500
    assert 'role="alert"' in response.content.decode()
    assert not Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND).exists()
    note = client_ann.post(url("ticket_note", ticket), {"text": "call them instead"}, **HX)
    assert note.status_code == 200


def test_reply_without_htmx_redirects_back_to_the_ticket(desk: Desk, client_ann: Client) -> None:
    response = client_ann.post(url("ticket_reply", desk.en_ticket), {"text": "Plain post"})
    assert response.status_code == 302
    assert response["Location"] == url("ticket", desk.en_ticket)
    assert Message.objects.filter(text="Plain post", direction=Direction.OUTBOUND).exists()


def test_internal_note(desk: Desk, client_ann: Client) -> None:
    response = client_ann.post(
        url("ticket_note", desk.en_ticket), {"text": "Escalating to wallet ops"}, **HX
    )
    assert response.status_code == 200
    assert 'data-tab="note"' in response.content.decode()
    note = Message.objects.get(direction=Direction.NOTE)
    assert (note.text, note.author_agent) == ("Escalating to wallet ops", desk.agent)
    response = client_ann.post(url("ticket_note", desk.en_ticket), {"text": " "}, **HX)
    assert response.status_code == 422
    assert "Write the note first." in response.content.decode()
    assert Message.objects.filter(direction=Direction.NOTE).count() == 1


# --- properties ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "check"),
    [
        ("status", "open", lambda t, d: t.status == TicketStatus.OPEN),
        ("priority", "4", lambda t, d: t.priority == Priority.URGENT),
        ("category", "kyc", lambda t, d: t.category == Category.KYC),
        ("assignee", "colleague", lambda t, d: t.assignee == d.colleague),
        (
            "tags",
            "Chargeback, vip escalation",
            lambda t, d: (
                sorted(t.tags.values_list("name", flat=True)) == ["chargeback", "vip-escalation"]
            ),
        ),
    ],
)
def test_property_forms_write_through_the_service(
    desk: Desk, client_ann: Client, field: str, value: str, check: object
) -> None:
    ticket = desk.en_ticket
    if value == "colleague":
        value = str(desk.colleague.pk)
    response = client_ann.post(url("ticket_field", ticket, field), {field: value}, **HX)
    assert response.status_code == 200, response.content.decode()[:400]
    assert response["HX-Trigger"] == "vigil:ticket-changed"
    assert response.content.decode().lstrip().startswith(f'<form id="prop-{field}"')
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert check(fresh, desk)  # type: ignore[operator]
    activity = TicketActivity.objects.filter(ticket=ticket, actor=desk.agent).last()
    assert activity is not None and activity.kind == field


def test_moving_a_ticket_to_a_team_one_cannot_see_goes_back_to_the_inbox(
    desk: Desk, client_ann: Client
) -> None:
    ticket = desk.en_ticket
    response = client_ann.post(url("ticket_field", ticket, "team"), {"team": desk.zh.pk}, **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("console:inbox")
    assert Ticket.objects.get(pk=ticket.pk).team == desk.zh
    assert client_ann.get(url("ticket", ticket)).status_code == 404
    plain = client_ann.post(url("ticket_field", desk.zh_ticket, "priority"), {"priority": "3"})
    assert plain.status_code == 404


def test_clearing_assignee_and_team(desk: Desk, client_ann: Client) -> None:
    ticket = desk.en_ticket
    client_ann.post(url("ticket_field", ticket, "assignee"), {"assignee": desk.agent.pk}, **HX)
    client_ann.post(url("ticket_field", ticket, "assignee"), {"assignee": ""}, **HX)
    response = client_ann.post(url("ticket_field", ticket, "team"), {"team": ""}, **HX)
    assert response.status_code == 200
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.assignee is None and fresh.team is None


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("status", "closed", 409),  # new -> closed is not in the transition table
        ("status", "gone", 422),
        ("priority", "7", 422),
        ("category", "memes", 422),
        ("assignee", "999999", 422),
        ("team", "999999", 422),
        ("tags", "x" * 60, 422),
    ],
)
def test_property_forms_refuse_bad_input_inline(
    desk: Desk, client_ann: Client, field: str, value: str, status: int
) -> None:
    ticket = desk.en_ticket
    before = list(TicketActivity.objects.filter(ticket=ticket).values_list("pk", flat=True))
    response = client_ann.post(url("ticket_field", ticket, field), {field: value}, **HX)
    assert response.status_code == status
    body = response.content.decode()
    assert body.lstrip().startswith(f'<form id="prop-{field}"')
    assert f'role="alert" data-field="{field}"' in body
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.priority, fresh.category, fresh.assignee_id, fresh.team_id) == (
        TicketStatus.NEW,
        Priority.NORMAL,
        ticket.category,  # as triage set it: unchanged
        None,
        desk.en.pk,
    )
    assert not fresh.tags.exists()
    after = list(TicketActivity.objects.filter(ticket=ticket).values_list("pk", flat=True))
    assert after == before


def test_unknown_field_or_part_is_404(desk: Desk, client_ann: Client) -> None:
    ticket = desk.en_ticket
    assert (
        client_ann.post(url("ticket_field", ticket, "subject"), {"subject": "x"}).status_code == 404
    )
    assert client_ann.get(url("ticket_part", ticket, "secrets")).status_code == 404


@pytest.mark.parametrize("part", ["header", "thread", "properties", "activity", "customer"])
def test_each_part_renders_alone(desk: Desk, client_ann: Client, part: str) -> None:
    response = client_ann.get(url("ticket_part", desk.en_ticket, part), **HX)
    assert response.status_code == 200
    body = response.content.decode().lstrip()
    assert body.startswith("<")
    assert "<html" not in body


def test_forms_need_csrf(desk: Desk) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.agent.user)
    response = client.post(url("ticket_note", desk.en_ticket), {"text": "no token"})
    assert response.status_code == 403
    assert not Message.objects.filter(direction=Direction.NOTE).exists()


def test_activity_kinds_are_described(desk: Desk, client_ann: Client) -> None:
    client_ann.post(url("ticket_field", desk.en_ticket, "priority"), {"priority": "3"}, **HX)
    body = client_ann.get(url("ticket_part", desk.en_ticket, "activity"), **HX).content.decode()
    assert "Priority changed: Normal → High" in body
    assert str(ActivityKind.PRIORITY.label) in body


def _page_queries(client: Client, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url("ticket", ticket)).status_code == 200
    return len(ctx.captured_queries)


def test_ticket_page_query_count_does_not_grow_with_the_thread(
    desk: Desk, client_ann: Client
) -> None:
    ticket = desk.en_ticket
    message_reply(ticket=ticket, agent=desk.agent, text="first")
    few = _page_queries(client_ann, ticket)
    for n in range(8):
        ingest(
            ticket=ticket,
            sender_address=ticket.customer.email,
            text=f"again {n}",
            attachments=[NewAttachment(filename=f"{n}.png", content=PNG + bytes([n]))],
        )
        message_reply(ticket=ticket, agent=desk.colleague, text=f"answer {n}")
        note_add(ticket=ticket, agent=desk.agent, text=f"note {n}")
        ingest(sender_address=ticket.customer.email, subject=f"other {n}")  # other tickets
    assert Message.objects.filter(ticket=ticket).count() > 20
    assert _page_queries(client_ann, ticket) == few
