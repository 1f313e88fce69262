"""Writes on tickets: status, fields, replies, notes, delivery. See docs/architecture.md#tickets.

Every change to a Ticket or Message goes through a function here (or ingestion.py), writes
an activity row, and publishes its event only after the transaction commits.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from vigil.accounts.models import Agent, Team
from vigil.channels.base import Capability, DeliveryError
from vigil.channels.registry import adapter_for
from vigil.channels.selectors import reply_route
from vigil.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from vigil.core.events import DomainEvent, on_commit, publish_on_commit
from vigil.core.languages import normalize_language
from vigil.core.services import rows_insert
from vigil.sla.services.targets import (
    sla_priority_changed,
    sla_reply_recorded,
    sla_status_changed,
)
from vigil.tickets.choices import (
    ActivityKind,
    Category,
    DeliveryStatus,
    Direction,
    Priority,
    TicketStatus,
)
from vigil.tickets.content import preview, sanitize_html, sniff_content_type
from vigil.tickets.events import MessageAdded, TicketUpdated
from vigil.tickets.models import Attachment, Message, Tag, Ticket, TicketActivity
from vigil.tickets.status import can_transition

MAX_ATTACHMENTS_PER_MESSAGE = 20
MAX_TEXT_CHARS = 200_000
MAX_DELIVERY_ATTEMPTS = 8

logger = logging.getLogger(__name__)


class _Unchanged(enum.Enum):
    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED


@dataclass(frozen=True, kw_only=True)
class NewAttachment:
    """A file to attach to a message, as bytes."""

    filename: str
    content: bytes
    inline: bool = False
    content_id: str = ""


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """The compact form of a ticket carried by events (needs customer, team, assignee loaded)."""
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": Priority(ticket.priority).name.lower(),
        "category": ticket.category,
        "language": ticket.language,
        "channel": ticket.channel,
        "team": ticket.team.name if ticket.team else None,
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
        "customer": str(ticket.customer) if ticket.customer_id else None,
        "waiting_since": ticket.waiting_since.isoformat(),
    }


_deferred = threading.local()


def activity_add(
    *, ticket: Ticket, kind: str, actor: Agent | None = None, data: dict[str, Any] | None = None
) -> TicketActivity:
    """Write one activity row (or, inside `activities_deferred()`, queue it; then it has no
    pk until the block ends)."""
    row = TicketActivity(ticket=ticket, kind=kind, actor=actor, data=data or {})
    activities_add(rows=[row])
    return row


def activities_add(*, rows: Sequence[TicketActivity]) -> None:
    """Write activity rows with one statement, or queue them inside `activities_deferred()`."""
    queued: list[TicketActivity] | None = getattr(_deferred, "rows", None)
    if queued is not None:
        queued.extend(rows)
    else:
        rows_insert(rows)


@contextmanager
def activities_deferred() -> Iterator[None]:
    """Queue the activity rows written inside the block and insert them all with one
    statement when it ends. For a writer that stores many messages in one transaction: the
    block must lie inside that transaction, so the rows commit with it. A part of the work
    that may fail on its own (a savepoint that rolls back while the block goes on) runs
    inside `activities_undone_on_error()`, which forgets the rows it queued."""
    if getattr(_deferred, "rows", None) is not None:
        yield
        return
    rows: list[TicketActivity] = []
    _deferred.rows = rows
    try:
        yield
        _deferred.rows = None
        rows_insert(rows)
    finally:
        _deferred.rows = None


@contextmanager
def activities_undone_on_error() -> Iterator[None]:
    """When the block raises, forget the deferred activity rows it queued (its writes are
    being rolled back); nothing to do outside `activities_deferred()`."""
    queued: list[TicketActivity] | None = getattr(_deferred, "rows", None)
    mark = len(queued) if queued is not None else 0
    try:
        yield
    except BaseException:
        if queued is not None:
            del queued[mark:]
        raise


def ticket_updated_event(
    *, ticket: Ticket, changes: dict[str, list[Any]], actor: Agent | None
) -> TicketUpdated:
    return TicketUpdated(
        ticket_id=ticket.pk,
        team_id=ticket.team_id,
        assignee_id=ticket.assignee_id,
        ticket=ticket_summary(ticket),
        changes=changes,
        actor_id=actor.pk if actor else None,
    )


def message_added_event(*, ticket: Ticket, message: Message) -> MessageAdded:
    return MessageAdded(
        ticket_id=ticket.pk,
        team_id=ticket.team_id,
        assignee_id=ticket.assignee_id,
        ticket=ticket_summary(ticket),
        message_id=message.pk,
        direction=message.direction,
        channel=message.channel,
        preview=preview(message.text),
    )


def publish_ticket_updated(
    *, ticket: Ticket, changes: dict[str, list[Any]], actor: Agent | None
) -> None:
    publish_on_commit(ticket_updated_event(ticket=ticket, changes=changes, actor=actor))


def publish_message_added(*, ticket: Ticket, message: Message) -> None:
    publish_on_commit(message_added_event(ticket=ticket, message=message))


# --- status -------------------------------------------------------------------------------


def apply_status(*, ticket: Ticket, status: str, actor: Agent | None) -> list[str]:
    """Move `ticket` to `status` in memory and log it; returns the fields to save.

    The one place a status changes: raises InvalidTransition if the table forbids it.
    """
    if status not in TicketStatus.values:
        choices = ", ".join(TicketStatus.values)
        raise ValidationFailed(f"unknown status {status!r}; one of {choices}")
    if status == ticket.status:
        return []
    if not can_transition(ticket.status, status):
        raise InvalidTransition(f"a {ticket.status} ticket cannot become {status}")
    before = ticket.status
    ticket.status = status
    fields = ["status"]
    if status == TicketStatus.SOLVED:
        ticket.solved_at = timezone.now()
        fields.append("solved_at")
    elif before == TicketStatus.SOLVED and status != TicketStatus.CLOSED:
        ticket.solved_at = None
        fields.append("solved_at")
    activity_add(
        ticket=ticket, kind=ActivityKind.STATUS, actor=actor, data={"from": before, "to": status}
    )
    return fields + sla_status_changed(ticket=ticket, before=before)


def ticket_set_status(*, ticket: Ticket, status: str, actor: Agent | None) -> Ticket:
    return ticket_update(ticket=ticket, actor=actor, status=status)


# --- fields -------------------------------------------------------------------------------


def _tag_names(tags: Iterable[str]) -> list[str]:
    names: list[str] = []
    for raw in tags:
        name = raw.strip().lower().replace(" ", "-")
        if not name:
            continue
        if len(name) > 50:
            raise ValidationFailed(f"tag {raw!r} is longer than 50 characters")
        if name not in names:
            names.append(name)
    return names


def ticket_update(
    *,
    ticket: Ticket,
    actor: Agent | None,
    status: str | None = None,
    priority: int | None = None,
    category: str | None = None,
    language: str | None = None,
    subject: str | None = None,
    tags: Sequence[str] | None = None,
    assignee: Agent | _Unchanged | None = UNCHANGED,
    team: Team | _Unchanged | None = UNCHANGED,
    reason: str = "",
) -> Ticket:
    """Change the given fields of a ticket; None (or UNCHANGED for assignee and team) leaves
    a field as it is. One activity row per changed field (`reason`, when given, is recorded on
    the assignee's); one ticket.updated event."""
    changes: dict[str, list[Any]] = {}
    fields: list[str] = []
    correction: dict[str, Any] | None = None
    with transaction.atomic():
        if status is not None:
            before = ticket.status
            fields += apply_status(ticket=ticket, status=status, actor=actor)
            if before != ticket.status:
                changes["status"] = [before, ticket.status]
        if priority is not None and priority != ticket.priority:
            if priority not in Priority.values:
                raise ValidationFailed(f"unknown priority {priority!r}")
            changes["priority"] = [
                Priority(ticket.priority).name.lower(),
                Priority(priority).name.lower(),
            ]
            ticket.priority = priority
            fields += ["priority", *sla_priority_changed(ticket=ticket)]
        if category is not None and category != ticket.category:
            if category not in Category.values:
                raise ValidationFailed(
                    f"unknown category {category!r}; one of {', '.join(Category.values)}"
                )
            changes["category"] = [ticket.category, category]
            if actor is not None:  # an agent's correction: triage learns from it
                from vigil.routing.services import category_correction

                correction = category_correction(ticket=ticket)
            ticket.category = category
            fields.append("category")
        if language is not None:
            code = normalize_language(language) if language else ""
            if code != ticket.language:
                changes["language"] = [ticket.language, code]
                ticket.language = code
                fields.append("language")
        if subject is not None:
            clean = " ".join(subject.split())[:300]
            if not clean:
                raise ValidationFailed("the subject cannot be empty")
            if clean != ticket.subject:
                changes["subject"] = [ticket.subject, clean]
                ticket.subject = clean
                fields.append("subject")
        if not isinstance(assignee, _Unchanged) and assignee != ticket.assignee:
            changes["assignee"] = [
                ticket.assignee.display_name if ticket.assignee else None,
                assignee.display_name if assignee else None,
            ]
            ticket.assignee = assignee
            ticket.assigned_at = timezone.now() if assignee is not None else None
            fields += ["assignee", "assigned_at"]
        if not isinstance(team, _Unchanged) and team != ticket.team:
            changes["team"] = [
                ticket.team.name if ticket.team else None,
                team.name if team else None,
            ]
            ticket.team = team
            fields.append("team")
        if tags is not None:
            names = _tag_names(tags)
            current = sorted(ticket.tags.values_list("name", flat=True))
            if sorted(names) != current:
                objs = [Tag.objects.get_or_create(name=name)[0] for name in names]
                ticket.tags.set(objs)
                changes["tags"] = [current, sorted(names)]
        for field, (before, after) in changes.items():
            if field != "status":  # apply_status logged it already
                data = {"from": before, "to": after}
                if field == "assignee" and reason:
                    data["reason"] = reason
                if field == "category" and correction:
                    data["correction"] = correction
                activity_add(ticket=ticket, kind=field, actor=actor, data=data)
        if fields:
            ticket.save(update_fields=[*fields, "updated_at"])
        if changes:
            publish_ticket_updated(ticket=ticket, changes=changes, actor=actor)
    return ticket


def ticket_assign(
    *, ticket: Ticket, agent: Agent | None, actor: Agent | None, reason: str = ""
) -> Ticket:
    return ticket_update(ticket=ticket, actor=actor, assignee=agent, reason=reason)


def ticket_claim(*, ticket: Ticket, agent: Agent, actor: Agent | None, reason: str) -> bool:
    """Give an unassigned ticket to `agent` unless someone took it first: a conditional UPDATE
    (assignee IS NULL), so concurrent claims of one ticket have one winner. Logs and publishes
    like ticket_assign. Returns whether this call won."""
    now = timezone.now()
    with transaction.atomic():
        won = Ticket.objects.filter(pk=ticket.pk, assignee__isnull=True).update(
            assignee=agent, assigned_at=now, updated_at=now
        )
        if not won:
            return False
        ticket.assignee, ticket.assigned_at, ticket.updated_at = agent, now, now
        _assignee_changed(ticket, None, agent, actor=actor, reason=reason)
    return True


def ticket_release(*, ticket: Ticket, holder: Agent, reason: str) -> bool:
    """Put a ticket `holder` still holds back in its queue (unassigned); False when it has
    changed hands meanwhile, so running it twice changes nothing."""
    now = timezone.now()
    with transaction.atomic():
        won = Ticket.objects.filter(pk=ticket.pk, assignee=holder).update(
            assignee=None, assigned_at=None, updated_at=now
        )
        if not won:
            return False
        ticket.assignee, ticket.assigned_at, ticket.updated_at = None, None, now
        _assignee_changed(ticket, holder, None, actor=None, reason=reason)
    return True


def _assignee_changed(
    ticket: Ticket, before: Agent | None, after: Agent | None, *, actor: Agent | None, reason: str
) -> None:
    change = [before.display_name if before else None, after.display_name if after else None]
    data = {"from": change[0], "to": change[1], "reason": reason}
    activity_add(ticket=ticket, kind=ActivityKind.ASSIGNEE, actor=actor, data=data)
    publish_ticket_updated(ticket=ticket, changes={"assignee": change}, actor=actor)


# --- messages -----------------------------------------------------------------------------


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
        message = Message.objects.create(
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
        ticket.save(update_fields=[*fields, "updated_at"])
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
    Message.objects.filter(pk=message.pk).update(**values)
    for field, value in values.items():
        setattr(message, field, value)
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


# --- delivery -----------------------------------------------------------------------------


def delivery_backoff(attempt: int) -> timedelta:
    """Wait before retry number `attempt` (1-based): 30 s doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempt - 1), 3600))


def message_deliver(*, message_id: int) -> datetime | None:
    """Send one pending outbound message through its channel's adapter.

    Idempotent: a message that is no longer pending is left alone, and a claim on the attempt
    counter keeps two workers from sending it twice. Returns when to retry, or None.
    """
    message = (
        Message.objects.select_related("ticket", "channel_account", "author_agent")
        .filter(pk=message_id, direction=Direction.OUTBOUND)
        .first()
    )
    if message is None:
        raise NotFound(f"no outbound message {message_id}")
    if message.delivery_status != DeliveryStatus.PENDING:
        return None
    attempt = message.delivery_attempts + 1
    claimed = Message.objects.filter(
        pk=message.pk,
        delivery_status=DeliveryStatus.PENDING,
        delivery_attempts=message.delivery_attempts,
    ).update(delivery_attempts=attempt)
    if not claimed:
        return None
    message.delivery_attempts = attempt
    try:
        receipt = adapter_for(message.channel).deliver(
            account=message.channel_account,
            message=message,
        )
    except DeliveryError as exc:
        permanent = exc.permanent or attempt >= MAX_DELIVERY_ATTEMPTS
        _delivery_record(message=message, ok=False, error=str(exc), final=permanent)
        return None if permanent else timezone.now() + delivery_backoff(attempt)
    _delivery_record(message=message, ok=True, external_id=receipt.external_id)
    return None


def _delivery_record(
    *,
    message: Message,
    ok: bool,
    error: str = "",
    final: bool = True,
    external_id: str | None = None,
) -> None:
    """Record an attempt's outcome. Only a still-pending message changes status, so a bounce
    that marked it failed while it was being sent is not overwritten by "sent"."""
    values: dict[str, Any] = {"delivery_error": error}
    if ok:
        values["delivery_status"] = DeliveryStatus.SENT
        if external_id and not message.external_id:
            values["external_id"] = external_id
    elif final:
        values["delivery_status"] = DeliveryStatus.FAILED
    with transaction.atomic():
        changed = Message.objects.filter(
            pk=message.pk, delivery_status=DeliveryStatus.PENDING
        ).update(**values)
        if not changed or "delivery_status" not in values:
            return
        for field, value in values.items():
            setattr(message, field, value)
        activity_add(
            ticket=message.ticket,
            kind=ActivityKind.DELIVERY,
            data={"message_id": message.pk, "status": message.delivery_status, "error": error},
        )
        ticket = Ticket.objects.select_related("customer", "team", "assignee").get(
            pk=message.ticket_id
        )
        publish_ticket_updated(
            ticket=ticket,
            changes={"delivery": [message.pk, message.delivery_status]},
            actor=None,
        )


SOLVED_CLOSE_AFTER = timedelta(days=4)


def tickets_close_solved(*, older_than: timedelta = SOLVED_CLOSE_AFTER, batch: int = 500) -> int:
    """Close tickets that stayed solved for `older_than` (Zendesk's default is 4 days)."""
    cutoff = timezone.now() - older_than
    ids = list(
        Ticket.objects.filter(status=TicketStatus.SOLVED, solved_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:batch]
    )
    closed = 0
    for ticket in Ticket.objects.select_related("customer", "team", "assignee").filter(pk__in=ids):
        if ticket.status == TicketStatus.SOLVED:
            ticket_update(ticket=ticket, actor=None, status=TicketStatus.CLOSED)
            closed += 1
    return closed
