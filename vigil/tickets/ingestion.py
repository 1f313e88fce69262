"""The one ingestion service every channel calls. See docs/architecture.md#ingestion.

message_ingest() resolves the customer, threads the message into its ticket or opens one,
stores the message and its attachments, and commits, and only then publishes events and
enqueues follow-up work. It returns once the message is durable, so the channel may
acknowledge it. The same (channel account, external id) delivered twice, or concurrently,
is stored once: the insert meets the unique constraint, its savepoint rolls back, and the
stored message is returned. (No look-up before the insert: a new message, the common case,
costs no extra query.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from vigil.channels.models import ChannelAccount
from vigil.core.errors import ValidationFailed
from vigil.core.events import DomainEvent, on_commit, publish_on_commit
from vigil.core.languages import normalize_language
from vigil.core.services import row_update, rows_insert
from vigil.customers.models import Customer
from vigil.customers.services import customer_resolve
from vigil.sla.services.targets import sla_message_received
from vigil.tickets.choices import ActivityKind, Category, Direction, Priority, TicketStatus
from vigil.tickets.content import html_to_text, preview, sanitize_html
from vigil.tickets.events import TicketCreated
from vigil.tickets.models import Message, ThreadKey, Ticket, TicketActivity
from vigil.tickets.services import (
    NewAttachment,
    activities_add,
    activities_undone_on_error,
    apply_status,
    attachments_store,
    check_body,
    message_added_event,
    ticket_summary,
    ticket_updated_event,
)
from vigil.tickets.status import ON_CUSTOMER_MESSAGE

MAX_THREAD_KEY = 500


@dataclass(frozen=True, kw_only=True)
class InboundMessage:
    """A customer's message as a channel hands it over."""

    account: ChannelAccount
    sender_kind: str  # an IdentityKind
    sender_address: str
    text: str = ""
    html: str = ""
    external_id: str | None = None
    sender_name: str = ""
    customer_uid: str | None = None
    language: str = ""
    subject: str = ""
    category: str = ""
    priority: int | None = None
    attachments: Sequence[NewAttachment] = ()
    thread_keys: Sequence[str] = ()  # keys that may name an existing ticket, best first
    register_thread_keys: Sequence[str] = ()  # keys that shall name the resulting ticket
    ticket: Ticket | None = None  # the channel already knows the ticket (portal, API)
    received_at: datetime | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    full_text: str = ""  # the whole original text when `text` is a stripped part of it
    raw: str = ""  # storage name of the bytes as received (e.g. the .eml)
    no_ack_reason: str = ""  # why it gets no automatic acknowledgement, when known up front


@dataclass(frozen=True, slots=True)
class IngestResult:
    message: Message
    ticket: Ticket
    ticket_created: bool
    duplicate: bool


def message_ingest(*, inbound: InboundMessage, savepoint: bool = True) -> IngestResult:
    """Store `inbound` once; see the module docstring.

    `savepoint=False` is for a caller that already runs this inside a savepoint (or a
    transaction) of its own: then a duplicate is not recovered here but raises
    IntegrityError, the caller rolls its savepoint back and asks `ingested_duplicate`. That
    saves the two statements of a second savepoint for every message of a batch."""
    _validate(inbound)
    try:
        with activities_undone_on_error(), transaction.atomic(savepoint=savepoint):
            return _store(inbound)
    except IntegrityError:
        # Stored before (a retry) or by a concurrent delivery that committed first: the
        # unique (account, external id) refused the insert; return the stored message.
        if not savepoint and connection.in_atomic_block:
            raise  # the caller's savepoint rolls back first
        duplicate = ingested_duplicate(inbound)
        if duplicate is None:
            raise
        return duplicate


def ingested_duplicate(inbound: InboundMessage) -> IngestResult | None:
    """The result for a message that is stored already (by its account and external id)."""
    existing = _existing(inbound)
    if existing is None:
        return None
    return IngestResult(
        message=existing, ticket=existing.ticket, ticket_created=False, duplicate=True
    )


def _validate(inbound: InboundMessage) -> None:
    check_body(text=inbound.text, html=inbound.html, has_attachments=bool(inbound.attachments))
    if inbound.external_id is not None and not 0 < len(inbound.external_id) <= 500:
        raise ValidationFailed("an external id must be 1 to 500 characters")
    if inbound.category and inbound.category not in Category.values:
        raise ValidationFailed(f"unknown category {inbound.category!r}")
    if inbound.priority is not None and inbound.priority not in Priority.values:
        raise ValidationFailed(f"unknown priority {inbound.priority!r}")
    if not inbound.account.is_active:
        raise ValidationFailed(f"channel account {inbound.account} is disabled", code="disabled")


def _existing(inbound: InboundMessage) -> Message | None:
    if inbound.external_id is None:
        return None
    found = Message.objects.select_related("ticket").filter(
        channel_account=inbound.account, external_id=inbound.external_id
    )[:1]
    return next(iter(found), None)


def _store(inbound: InboundMessage) -> IngestResult:
    now = timezone.now()
    received = inbound.received_at or now
    ticket = inbound.ticket or _threaded_ticket(inbound)
    customer = customer_resolve(
        kind=inbound.sender_kind,
        address=inbound.sender_address,
        name=inbound.sender_name,
        language=inbound.language,
        uid=inbound.customer_uid,
        known=ticket.customer if ticket is not None else None,
    )
    html = sanitize_html(inbound.html)
    text = inbound.text if inbound.text.strip() else html_to_text(html)
    follow_up_of = None
    if ticket is not None and ticket.status == TicketStatus.CLOSED:
        follow_up_of, ticket = ticket, None
    created = ticket is None
    activities: list[TicketActivity] = []
    if ticket is None:
        ticket = _ticket_open(
            inbound, customer=customer, text=text, received=received, follow_up_of=follow_up_of
        )
        activities.append(
            TicketActivity(
                ticket=ticket,
                kind=ActivityKind.CREATED,
                data={
                    "channel": inbound.account.kind,
                    "follow_up_of": follow_up_of.pk if follow_up_of else None,
                },
            )
        )
    message = Message(
        ticket=ticket,
        direction=Direction.INBOUND,
        channel=inbound.account.kind,
        channel_account=inbound.account,
        author_customer=customer,
        subject=" ".join(inbound.subject.split())[:300],
        text=text,
        html=html,
        external_id=inbound.external_id,
        metadata=dict(inbound.metadata),
        created_at=received,
        full_text=inbound.full_text,
        raw=inbound.raw,
        no_ack_reason=inbound.no_ack_reason,
    )
    _row_insert(message)
    if inbound.attachments:
        attachments_store(message=message, files=inbound.attachments)
    _register_keys(inbound, ticket)
    fields = _triage(inbound, ticket=ticket, message=message, created=created)
    activities.append(
        TicketActivity(
            ticket=ticket,
            kind=ActivityKind.MESSAGE,
            data={"message_id": message.pk, "direction": Direction.INBOUND},
        )
    )
    activities_add(rows=activities)
    events: list[DomainEvent] = []
    if created:
        events.append(
            TicketCreated(
                ticket_id=ticket.pk,
                team_id=ticket.team_id,
                assignee_id=ticket.assignee_id,
                ticket=ticket_summary(ticket),
            )
        )
    else:
        touched, changed = _ticket_touch(ticket, received=received)
        fields += touched
        events += changed
    fields += sla_message_received(ticket=ticket, message=message, created=created)
    if fields:  # triage, the touch and the SLA: one UPDATE of the ticket
        ticket.updated_at = timezone.now()
        row_update(ticket, [*dict.fromkeys(fields), "updated_at"])
    events.append(message_added_event(ticket=ticket, message=message))
    publish_on_commit(*events)
    return IngestResult(message=message, ticket=ticket, ticket_created=created, duplicate=False)


def _triage(
    inbound: InboundMessage, *, ticket: Ticket, message: Message, created: bool
) -> list[str]:
    """Triage (docs/architecture.md#triage), then routing of a new ticket, in this transaction:
    the message is redacted when it holds a secret. Returns the ticket's changed fields (the
    caller writes them)."""
    from vigil.routing.services import ticket_triage

    fields = ticket_triage(ticket=ticket, message=message, created=created, inbound=inbound)
    if created:  # triage -> route -> assign (vigil.routing.routes)
        from vigil.routing.routes import ticket_route

        fields += ticket_route(ticket=ticket).fields
        if ticket.team_id is not None:
            _push_after_commit(ticket.pk)
    return fields


def _push_after_commit(ticket_id: int) -> None:
    """A routed new ticket goes to an agent of its team right after the commit (push teams;
    the periodic push catches whatever this misses)."""
    from vigil.routing.tasks import assign_ticket

    on_commit(lambda: assign_ticket.enqueue(ticket_id=ticket_id))


def _threaded_ticket(inbound: InboundMessage) -> Ticket | None:
    keys = [k[:MAX_THREAD_KEY] for k in inbound.thread_keys if k]
    if not keys:
        return None
    found = {
        tk.key: tk.ticket_id
        for tk in ThreadKey.objects.filter(channel_account=inbound.account, key__in=keys)
    }
    for key in keys:
        if key in found:
            return Ticket.objects.select_related("customer", "team", "assignee").get(pk=found[key])
    return None


def _ticket_open(
    inbound: InboundMessage,
    *,
    customer: Customer,
    text: str,
    received: datetime,
    follow_up_of: Ticket | None,
) -> Ticket:
    subject = " ".join(inbound.subject.split())[:300] or preview(text, 80) or "(no subject)"
    language = inbound.language or customer.preferred_language
    ticket = Ticket(
        subject=subject,
        status=TicketStatus.NEW,
        priority=inbound.priority or Priority.NORMAL,
        category=inbound.category or Category.OTHER,
        language=normalize_language(language) if language else "",
        channel=inbound.account.kind,
        channel_account=inbound.account,
        customer=customer,
        team=inbound.account.default_team,
        waiting_since=received,
        awaiting_agent=True,
        last_message_at=received,
        follow_up_of=follow_up_of,
    )
    _row_insert(ticket)
    return ticket


def _register_keys(inbound: InboundMessage, ticket: Ticket) -> None:
    keys = {k[:MAX_THREAD_KEY] for k in inbound.register_thread_keys if k}
    if keys:
        ThreadKey.objects.bulk_create(
            [ThreadKey(channel_account=inbound.account, key=k, ticket=ticket) for k in keys],
            ignore_conflicts=True,
        )


def _ticket_touch(ticket: Ticket, *, received: datetime) -> tuple[list[str], list[DomainEvent]]:
    """A customer wrote on an existing ticket: it needs the desk again. Sets the fields on
    `ticket`; returns their names (the caller writes them) and the events."""
    fields = ["last_message_at"]
    ticket.last_message_at = max(received, ticket.last_message_at or received)
    if not ticket.awaiting_agent:
        ticket.awaiting_agent = True
        ticket.waiting_since = received
        fields += ["awaiting_agent", "waiting_since"]
    before = ticket.status
    target = ON_CUSTOMER_MESSAGE.get(ticket.status, ticket.status)
    if target != ticket.status:
        fields += apply_status(ticket=ticket, status=target, actor=None)
    if before == ticket.status:
        return fields, []
    changes: dict[str, list[Any]] = {"status": [before, ticket.status]}
    return fields, [ticket_updated_event(ticket=ticket, changes=changes, actor=None)]


# --- rows ---------------------------------------------------------------------------------
# Every delivery inserts a message (and often a ticket) and updates its ticket: with
# statements built once per shape (vigil.core.services.rows_insert and row_update),
# not by the ORM for each row, which costs several times what the database does with them.


def _row_insert(obj: models.Model) -> None:
    """INSERT a new row for `obj` as `obj.save()` would; sets its pk."""
    rows_insert([obj])
