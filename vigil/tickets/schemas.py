"""API shapes of tickets, messages and attachments. See docs/architecture.md#entry-points."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Schema
from pydantic import ConfigDict, Field

from vigil.accounts.schemas import AgentRef, TeamRef
from vigil.api_types import ID_DIGITS, LanguageCode, ObjectId, Text
from vigil.channels.choices import ChannelKind
from vigil.core.errors import ValidationFailed
from vigil.customers.choices import IdentityKind
from vigil.tickets.choices import Category, DeliveryStatus, Direction, Priority, TicketStatus
from vigil.tickets.models import Attachment, Message, Ticket
from vigil.tickets.services import MAX_ATTACHMENTS_PER_MESSAGE, MAX_TEXT_CHARS, NewAttachment

PriorityName = Literal["low", "normal", "high", "urgent"]
MAX_TAGS = 50


def priority_name(value: int) -> PriorityName:
    return Priority(value).name.lower()  # type: ignore[return-value]


# --- output ---------------------------------------------------------------------------------


class CustomerRef(Schema):
    id: int
    name: str
    email: str
    uid: str | None
    vip_tier: int


class TicketOut(Schema):
    id: int
    reference: str = Field(description='What people quote, e.g. "VG-123".')
    subject: str
    status: TicketStatus
    priority: PriorityName
    category: Category
    language: str
    channel: str = Field(description="The channel the ticket's first message came from.")
    customer: CustomerRef
    team: TeamRef | None
    assignee: AgentRef | None
    tags: list[str]
    awaiting_agent: bool = Field(description="True while the customer waits for the desk.")
    waiting_since: datetime
    last_message_at: datetime | None
    first_response_at: datetime | None
    solved_at: datetime | None
    sla_due_at: datetime | None = Field(
        description="When the earliest running SLA target (first or next response, resolution) "
        "is due, past when breached; null when none runs or its clock is paused."
    )
    sla_state: str = Field(description='"" (no SLA), "ok", "warning", "breached" or "paused".')
    follow_up_of: int | None = Field(description="The closed ticket this one follows up.")
    tone: str = Field(description='"", "distressed" or "abusive", from triage.')
    security_flag: bool = Field(
        description="A secret (seed phrase, private key, API secret) was shared, redacted, "
        "or the account looks compromised."
    )
    triage: dict[str, Any] = Field(
        description="Triage on arrival: each decision (language, category, priority, tone, "
        'secrets, route) as {"value", "reason", "source": "detected" or "channel", '
        '"confidence"}; `route_hint` "senior" for a distressed customer.'
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_priority(obj: Ticket) -> PriorityName:
        return priority_name(obj.priority)

    @staticmethod
    def resolve_tags(obj: Ticket) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_follow_up_of(obj: Ticket) -> int | None:
        return obj.follow_up_of_id


class TicketBriefOut(Schema):
    id: int
    reference: str
    subject: str
    status: TicketStatus
    priority: PriorityName
    channel: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_priority(obj: Ticket) -> PriorityName:
        return priority_name(obj.priority)


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str = Field(description="Sniffed from the bytes, not the sender's claim.")
    size: int
    sha256: str
    inline: bool
    url: str = Field(description="Where to download the file (same authentication).")

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return reverse("api-v1:attachment_download", kwargs={"attachment_id": obj.pk})


class AuthorOut(Schema):
    kind: Literal["agent", "customer"]
    id: int
    name: str


class MessageOut(Schema):
    id: int
    ticket: int
    direction: Direction
    channel: str
    author: AuthorOut | None
    subject: str = Field(description="Decoded (e-mail: RFC 2047 and raw 8-bit headers).")
    text: str = Field(description="What agents read: quoted history and signature stripped.")
    full_text: str = Field(description="The whole original text; empty when equal to `text`.")
    html: str = Field(description="Sanitized HTML, safe to render.")
    external_id: str | None
    no_ack_reason: str | None = Field(
        description="Why an inbound mail got no acknowledgement (auto_reply, bounce, list, "
        "loop, rate_limited), or null."
    )
    delivery_status: DeliveryStatus
    delivery_error: str
    attachments: list[AttachmentOut]
    created_at: datetime

    @staticmethod
    def resolve_ticket(obj: Message) -> int:
        return obj.ticket_id

    @staticmethod
    def resolve_no_ack_reason(obj: Message) -> str | None:
        return obj.no_ack_reason or None

    @staticmethod
    def resolve_author(obj: Message) -> AuthorOut | None:
        if obj.author_agent_id and obj.author_agent is not None:
            agent = obj.author_agent
            return AuthorOut(kind="agent", id=agent.pk, name=agent.display_name)
        if obj.author_customer_id and obj.author_customer is not None:
            customer = obj.author_customer
            return AuthorOut(kind="customer", id=customer.pk, name=str(customer))
        return None

    @staticmethod
    def resolve_attachments(obj: Message) -> list[Attachment]:
        return list(obj.attachments.all())


class MessageList(Schema):
    items: list[MessageOut]


# --- input ----------------------------------------------------------------------------------

# base64 of the largest body a message may carry is bounded by the request size limit anyway;
# this bound only keeps a single field from being absurd.
Base64 = Annotated[str, Field(max_length=200_000_000, json_schema_extra={"format": "byte"})]
BodyText = Annotated[Text, Field(max_length=MAX_TEXT_CHARS)]
BodyHtml = Annotated[Text, Field(max_length=MAX_TEXT_CHARS * 2)]
TagName = Annotated[Text, Field(max_length=50)]


class AttachmentIn(Schema):
    filename: Annotated[Text, Field(min_length=1, max_length=255)]
    content_base64: Base64 = Field(description="The file's bytes, base64-encoded.")


def attachments_decode(items: list[AttachmentIn]) -> list[NewAttachment]:
    files: list[NewAttachment] = []
    for n, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            raise ValidationFailed(f"attachments.{n}.content_base64 is not valid base64") from None
        files.append(NewAttachment(filename=item.filename, content=content))
    return files


Attachments = Annotated[list[AttachmentIn], Field(max_length=MAX_ATTACHMENTS_PER_MESSAGE)]


EmailText = Annotated[Text, Field(max_length=254, json_schema_extra={"format": "email"})]


class CustomerIn(Schema):
    """Who the ticket is from: an e-mail address, or any channel identity (kind + address)."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["email"]}, {"required": ["kind", "address"]}]}
    )

    email: EmailText | None = None
    kind: IdentityKind | None = Field(None, description="With `address`, instead of `email`.")
    address: Annotated[Text, Field(max_length=320)] | None = None
    uid: Annotated[Text, Field(max_length=64)] | None = Field(
        None, description="The customer's account id on the exchange; links identities."
    )
    name: Annotated[Text, Field(max_length=200)] = ""
    language: LanguageCode | None = None

    def identity(self) -> tuple[str, str]:
        if self.kind is not None:
            if not self.address:
                raise ValidationFailed("customer.address is required with customer.kind")
            if self.email and not (self.kind == IdentityKind.EMAIL and self.email == self.address):
                raise ValidationFailed("give customer.email or customer.kind + address, not both")
            if self.kind == IdentityKind.EMAIL and len(self.address) > 254:
                raise ValidationFailed(
                    "customer.address: an e-mail address has at most 254 characters"
                )
            return str(self.kind), self.address
        if not self.email:
            raise ValidationFailed("customer.email or customer.kind + customer.address is required")
        if self.address:
            raise ValidationFailed("customer.address needs customer.kind")
        return IdentityKind.EMAIL, self.email


class TicketCreateIn(Schema):
    """A customer's first message. It needs `text`, `html` or an attachment."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["text"], "properties": {"text": {"minLength": 1}}},
                {"required": ["html"], "properties": {"html": {"minLength": 1}}},
                {"required": ["attachments"], "properties": {"attachments": {"minItems": 1}}},
            ]
        }
    )
    customer: CustomerIn
    subject: Annotated[Text, Field(max_length=300)] = ""
    text: BodyText = ""
    html: BodyHtml = Field("", description="Sanitized before it is stored.")
    category: Category | None = None
    priority: PriorityName | None = None
    external_id: Annotated[Text, Field(min_length=1, max_length=500)] | None = Field(
        None,
        description="Your id for this message; the same id twice returns the first ticket. "
        "The Idempotency-Key header does the same.",
    )
    attachments: Attachments = Field(default_factory=list)


class TicketUpdateIn(Schema):
    """Only the fields sent change. `assignee` or `team` null clears it."""

    status: TicketStatus | None = None
    priority: PriorityName | None = None
    category: Category | None = None
    language: Annotated[Text, Field(max_length=16)] | None = Field(
        None, description='A language code, or "" to clear it.'
    )
    subject: Annotated[Text, Field(min_length=1, max_length=300)] | None = None
    assignee: ObjectId | None = Field(None, description="An agent id, or null to unassign.")
    team: ObjectId | None = Field(None, description="A team id, or null for no team.")
    tags: Annotated[list[TagName], Field(max_length=MAX_TAGS)] | None = Field(
        None, description="The complete new list of tags."
    )


class ReplyIn(Schema):
    text: BodyText = ""
    html: BodyHtml = ""
    status: TicketStatus | None = Field(None, description="Also move the ticket to this status.")
    attachments: Attachments = Field(default_factory=list)


class NoteIn(Schema):
    text: BodyText = ""
    attachments: Attachments = Field(default_factory=list)


class TicketListQuery(Schema):
    status: list[Annotated[Text, Field(max_length=100)]] = Field(
        default_factory=list,
        description="Repeat or comma-separate: new, open, pending, on_hold, solved, closed, or "
        "all. Default: the unsolved ones (new, open, pending, on_hold).",
    )
    team: Annotated[str, Field(pattern=f"^({ID_DIGITS}|none)$")] | None = Field(
        None, description='A team id, or "none" for tickets without a team.'
    )
    assignee: Annotated[str, Field(pattern=f"^({ID_DIGITS}|me|none)$")] | None = Field(
        None, description='An agent id, "me", or "none" for unassigned tickets.'
    )
    language: LanguageCode | None = None
    channel: ChannelKind | None = None
    priority: PriorityName | None = None
    customer: ObjectId | None = None
    tag: TagName | None = None
    q: Annotated[Text, Field(max_length=200)] | None = Field(
        None,
        description="Search: a ticket reference (VG-123), subject words, customer e-mail "
        "or exchange UID.",
    )
    sort: Literal["", "sla"] = Field(
        "",
        description='"" most urgent then longest waiting; "sla": tickets whose SLA clock runs, '
        "soonest due (overdue) first, then the rest in the usual order.",
    )
    cursor: Annotated[Text, Field(max_length=500)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class MessageListQuery(Schema):
    ticket: ObjectId | None = None
    external_id: Annotated[Text, Field(min_length=1, max_length=500)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 100
