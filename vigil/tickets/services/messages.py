"""Replies, notes and their files. See docs/architecture.md#tickets."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from vigil.accounts.models import Agent
from vigil.channels.base import Capability
from vigil.channels.registry import adapter_for
from vigil.channels.selectors import reply_route
from vigil.core.errors import Conflict, ValidationFailed
from vigil.core.events import DomainEvent, on_commit, publish_on_commit
from vigil.core.services import row_update, rows_insert
from vigil.sla.services.targets import (
    sla_reply_recorded,
)
from vigil.tickets.choices import (
    ActivityKind,
    DeliveryStatus,
    Direction,
    TicketStatus,
)
from vigil.tickets.content import sanitize_html, sniff_content_type
from vigil.tickets.models import Attachment, Message, Ticket
from vigil.tickets.services.common import (
    MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_TEXT_CHARS,
    NewAttachment,
    activity_add,
    message_added_event,
    publish_message_added,
    ticket_updated_event,
)
from vigil.tickets.services.updates import apply_status

logger = logging.getLogger(__name__)


def attachments_store(*, message: Message, files: Sequence[NewAttachment]) -> list[Attachment]:
    """Store files for `message` through Django's storage API, checked and content-addressed."""
    if len(files) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise ValidationFailed(f"at most {MAX_ATTACHMENTS_PER_MESSAGE} attachments per message")
    limit = settings.VIGIL_MAX_ATTACHMENT_BYTES
    stored: list[Attachment] = []
    for item in files:
        if len(item.content) > limit:
            raise ValidationFailed(
                f"attachment {item.filename!r} is {len(item.content)} bytes; the limit is {limit}",
                code="too_large",
            )
        digest = hashlib.sha256(item.content).hexdigest()
        attachment = Attachment(
            message=message,
            filename=(item.filename or "attachment").replace("/", "_").replace("\\", "_")[:255],
            content_type=sniff_content_type(item.content),
            size=len(item.content),
            sha256=digest,
            inline=item.inline,
            content_id=item.content_id[:255],
        )
        name = f"attachments/{digest[:2]}/{digest}"
        storage = Attachment.file.field.storage
        if storage.exists(name):
            attachment.file.name = name
        else:
            attachment.file.save(name, ContentFile(item.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def check_body(*, text: str, html: str, has_attachments: bool) -> None:
    if not text.strip() and not html.strip() and not has_attachments:
        raise ValidationFailed("a message needs text, HTML or an attachment")
    if len(text) > MAX_TEXT_CHARS or len(html) > MAX_TEXT_CHARS * 2:
        raise ValidationFailed(f"a message is limited to {MAX_TEXT_CHARS} characters")


def message_reply(
    *,
    ticket: Ticket,
    agent: Agent,
    text: str,
    html: str = "",
    attachments: Sequence[NewAttachment] = (),
    status: str | None = None,
) -> Message:
    """An agent's public reply: stored with a pending delivery, sent after the commit."""
    check_body(text=text, html=html, has_attachments=bool(attachments))
    route = reply_route(ticket=ticket)
    if route is None:
        raise Conflict(
            f"the customer cannot be reached: the {ticket.channel} channel cannot send replies "
            "and the customer has no other channel that can; add an internal note instead",
            code="channel_unavailable",
        )
    now = timezone.now()
    instant = adapter_for(route.kind).can(Capability.INSTANT)
    with transaction.atomic():
        message = Message(
            ticket=ticket,
            direction=Direction.OUTBOUND,
            channel=route.kind,
            channel_account=route.account,
            author_agent=agent,
            subject=ticket.subject,
            text=text,
            html=sanitize_html(html),
            delivery_status=DeliveryStatus.PENDING,
            created_at=now,
        )
        rows_insert([message])  # the statement built once (vigil/core/services.py)
        stored = attachments_store(message=message, files=attachments)
        if instant:
            # The delivery's payload lists the files: give it the ones just stored (as a
            # prefetch would) instead of a query for them.
            known = Attachment.objects.none()
            known._result_cache, known._prefetch_done = stored, True  # type: ignore[attr-defined]
            message._prefetched_objects_cache = {"attachments": known}  # type: ignore[attr-defined]
            instant = _deliver_now(message=message)
        fields = ["last_message_at", "awaiting_agent", "waiting_since"]
        ticket.last_message_at = now
        ticket.awaiting_agent = False
        ticket.waiting_since = now
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.append("first_response_at")
        target = status or (TicketStatus.OPEN if ticket.status == TicketStatus.NEW else None)
        changes: dict[str, list[Any]] = {}
        if target and target != ticket.status:
            changes["status"] = [ticket.status, target]
            fields += apply_status(ticket=ticket, status=target, actor=agent)
        if ticket.assignee_id is None:
            changes["assignee"] = [None, agent.display_name]
            ticket.assignee = agent
            fields.append("assignee")
            activity_add(
                ticket=ticket,
                kind=ActivityKind.ASSIGNEE,
                actor=agent,
                data={"from": None, "to": agent.display_name},
            )
        activity_add(
            ticket=ticket,
            kind=ActivityKind.MESSAGE,
            actor=agent,
            data={"message_id": message.pk, "direction": Direction.OUTBOUND},
        )
        fields += sla_reply_recorded(ticket=ticket, message=message)
        row_update(ticket, [*fields, "updated_at"])
        events: list[DomainEvent] = [message_added_event(ticket=ticket, message=message)]
        if changes:
            events.append(ticket_updated_event(ticket=ticket, changes=changes, actor=agent))
        publish_on_commit(*events)
        if not instant:
            from vigil.tickets.tasks import deliver_message

            message_id = message.pk
            on_commit(lambda: deliver_message.enqueue(message_id=message_id))
    return message


def _deliver_now(*, message: Message) -> bool:
    """Deliver a reply on an INSTANT channel (a live chat: the delivery is a write to the
    chat's own stream) inside the reply's transaction, so the reply, its delivery and their
    events commit together: one transaction instead of four (bench.chat_load). The delivery
    runs in a savepoint; if it fails the message stays pending and the worker's
    `deliver_message` sends it or records the failure, as for any other channel."""
    message.delivery_attempts = 1
    try:
        with transaction.atomic():
            receipt = adapter_for(message.channel).deliver(
                account=message.channel_account, message=message
            )
    except Exception as exc:  # DeliveryError or a fault: the worker takes it over
        logger.info("instant delivery of message %s deferred to the worker: %s", message.pk, exc)
        message.delivery_attempts = 0
        return False
    values: dict[str, Any] = {"delivery_status": DeliveryStatus.SENT, "delivery_attempts": 1}
    if receipt.external_id:
        values["external_id"] = receipt.external_id
    for field, value in values.items():
        setattr(message, field, value)
    row_update(message, list(values))
    return True


def note_add(
    *, ticket: Ticket, agent: Agent, text: str, attachments: Sequence[NewAttachment] = ()
) -> Message:
    """An internal note: seen by agents only, never sent."""
    check_body(text=text, html="", has_attachments=bool(attachments))
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket,
            direction=Direction.NOTE,
            channel=ticket.channel,
            author_agent=agent,
            text=text,
            created_at=now,
        )
        attachments_store(message=message, files=attachments)
        activity_add(
            ticket=ticket,
            kind=ActivityKind.MESSAGE,
            actor=agent,
            data={"message_id": message.pk, "direction": Direction.NOTE},
        )
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
        publish_message_added(ticket=ticket, message=message)
    return message
