"""Writes of the e-mail channel: receiving a mail, preparing a reply, adding a support
address. See docs/architecture.md#e-mail.

`email_receive()` is what the SMTP listener, the IMAP poller and the provider webhooks call
with the raw bytes of one mail for one support account. In one transaction it parses, strips
the quoted reply, recognises automatic mail, finds the ticket (threads.py), stores the message
through the ingestion service, keeps the raw bytes and the full text, marks a bounced reply
as failed, records CC participants and, for a new ticket from a person, queues the
acknowledgement. It returns after the commit, so the transport may then say 250 / 200.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from vigil.channels.email import acknowledgements
from vigil.channels.email.autoreply import BOUNCE, AutoVerdict, classify_automatic
from vigil.channels.email.language import ack_language
from vigil.channels.email.outbound import SYNTHETIC_DOMAIN, UNKNOWN_SENDER
from vigil.channels.email.parsing import ParsedEmail, parse_message
from vigil.channels.email.quotes import strip_parsed
from vigil.channels.email.selectors import (
    outbound_message_by_message_id,
    own_addresses,
    ticket_by_thread_keys,
    ticket_for_token,
)
from vigil.channels.email.threads import (
    address_ticket_pk,
    base_address,
    is_own_message_id,
    own_message_pk,
    reference_keys,
    subject_ticket_pk,
)
from vigil.channels.models import ChannelAccount
from vigil.core.errors import ValidationFailed
from vigil.core.services import events_coalesced
from vigil.customers.choices import IdentityKind
from vigil.customers.services import normalize_address
from vigil.tickets.choices import ActivityKind, DeliveryStatus, Direction
from vigil.tickets.ingestion import InboundMessage, ingested_duplicate, message_ingest
from vigil.tickets.models import Message, Ticket, TicketParticipant
from vigil.tickets.services import (
    MAX_ATTACHMENTS_PER_MESSAGE,
    MAX_TEXT_CHARS,
    NewAttachment,
    activity_add,
    publish_ticket_updated,
)

MAX_PARTICIPANTS_PER_MAIL = 20


@dataclass(frozen=True, slots=True)
class EmailReceived:
    message: Message
    ticket: Ticket
    ticket_created: bool
    duplicate: bool
    no_ack_reason: str
    acknowledgement: Message | None = None


@dataclass(frozen=True, slots=True)
class IncomingEmail:
    """One received mail, parsed, stripped and classified, its bytes kept: everything that
    needs no database, done once however many support accounts it was addressed to."""

    parsed: ParsedEmail
    raw_name: str
    message_id: str
    verdict: AutoVerdict
    sender: str
    visible: str
    full: str
    attachments: list[NewAttachment]
    metadata: dict[str, Any]
    language: str
    recipients: tuple[str, ...]


def synthetic_message_id(raw: bytes) -> str:
    """A stable id for a mail that has no Message-ID: the same bytes, the same id."""
    return f"sha256.{hashlib.sha256(raw).hexdigest()}@{SYNTHETIC_DOMAIN}"


def email_receive(
    *,
    account: ChannelAccount,
    raw: bytes,
    envelope_sender: str | None = None,
    recipients: Sequence[str] = (),
    via: str = "smtp",
) -> EmailReceived:
    """Store one mail for `account`; idempotent by Message-ID (or the raw bytes' hash): a
    retried mail is recognised by the ingestion service and answered from what is stored."""
    mail = email_prepare(raw=raw, envelope_sender=envelope_sender, recipients=recipients, via=via)
    with events_coalesced():  # the message's and the acknowledgement's events together
        return email_store(account=account, mail=mail)


def email_prepare(
    *,
    raw: bytes,
    envelope_sender: str | None = None,
    recipients: Sequence[str] = (),
    via: str = "smtp",
) -> IncomingEmail:
    """Parse, strip and classify a mail and keep its bytes (content-addressed, so a retry
    writes nothing new). No database transaction: the SMTP writer does this for a whole
    batch before it takes the write lock."""
    parsed = parse_message(raw)
    message_id = (parsed.message_id or synthetic_message_id(raw))[:500]
    stripped = strip_parsed(parsed)
    verdict = classify_automatic(
        parsed,
        own_addresses=own_addresses(),
        own_message_ids=is_own_message_id,
        visible=stripped.visible,
    )
    sender = _sender(parsed, envelope_sender)
    full = parsed.text.strip()
    visible = stripped.visible.strip() or full
    attachments, skipped = _attachments(parsed)
    if not visible and not parsed.html and not attachments:
        visible = "(empty message)"
    metadata = _metadata(parsed, via=via, envelope_sender=envelope_sender, recipients=recipients)
    if verdict.reason:
        metadata["automatic"] = {"reason": verdict.reason, "evidence": verdict.evidence}
    if skipped:
        metadata["skipped_attachments"] = skipped
    language = ack_language(
        ticket_language="",
        text=visible,
        subject=parsed.subject,
        charsets=tuple(c.used for c in parsed.charsets),
    )
    if language != "en":  # a guess from the mail's script: triage may know better
        metadata["language_source"] = "detected"
    return IncomingEmail(
        parsed=parsed,
        raw_name=_raw_keep(raw),
        message_id=message_id,
        verdict=verdict,
        sender=sender,
        visible=visible,
        full=full,
        attachments=attachments,
        metadata=metadata,
        language=language,
        recipients=tuple(recipients),
    )


def email_store(*, account: ChannelAccount, mail: IncomingEmail) -> EmailReceived:
    """Store a prepared mail for `account` in one transaction (a savepoint inside a caller's
    transaction): thread, ingest, participants, bounce, acknowledgement. A mail stored before
    (same Message-ID, or the same bytes without one) is answered from what is stored."""
    inbound = _inbound(account, mail)
    try:
        with transaction.atomic():
            return _store(account, mail, inbound)
    except IntegrityError:
        duplicate = ingested_duplicate(inbound)
        if duplicate is None:
            raise
        return EmailReceived(
            message=duplicate.message,
            ticket=duplicate.ticket,
            ticket_created=False,
            duplicate=True,
            no_ack_reason=duplicate.message.no_ack_reason,
        )


def _inbound(account: ChannelAccount, mail: IncomingEmail) -> InboundMessage:
    parsed = mail.parsed
    return InboundMessage(
        account=account,
        sender_kind=IdentityKind.EMAIL,
        sender_address=mail.sender,
        sender_name=parsed.sender.name if parsed.sender else "",
        text=mail.visible[:MAX_TEXT_CHARS],
        html=(parsed.html or "")[: MAX_TEXT_CHARS * 2],
        external_id=mail.message_id,  # it threads later replies: no thread key needed
        subject=parsed.subject,
        language=mail.language if mail.language != "en" else "",
        attachments=mail.attachments,
        metadata=mail.metadata,
        full_text=mail.full if mail.full != mail.visible else "",
        raw=mail.raw_name,
        no_ack_reason=mail.verdict.reason or "",
    )


def _store(account: ChannelAccount, mail: IncomingEmail, inbound: InboundMessage) -> EmailReceived:
    parsed, verdict, sender = mail.parsed, mail.verdict, mail.sender
    ticket = _thread(account, parsed, sender=sender, verdict=verdict, recipients=mail.recipients)
    # Inside this function's savepoint: a duplicate raises IntegrityError to email_store.
    result = message_ingest(inbound=replace(inbound, ticket=ticket), savepoint=False)
    if not verdict.reason:
        _participants_add(result.ticket, parsed, sender=sender, account=account)
    if verdict.reason == BOUNCE and verdict.bounce_of:
        _bounce_mark(bounce_of=verdict.bounce_of, evidence=verdict.evidence or "bounce")
    reason = verdict.reason or ""
    ack = None
    if result.ticket_created and not reason and sender == UNKNOWN_SENDER:
        reason = "no_address"
    elif result.ticket_created and not reason:
        ack, reason = acknowledgements.acknowledgement_queue(
            account=account,
            ticket=result.ticket,
            inbound_subject=result.message.subject,  # as stored: a secret is redacted
            language=result.ticket.language if result.ticket.language else mail.language,
        )
    if reason != result.message.no_ack_reason:
        Message.objects.filter(pk=result.message.pk).update(no_ack_reason=reason)
        result.message.no_ack_reason = reason
    return EmailReceived(
        message=result.message,
        ticket=result.ticket,
        ticket_created=result.ticket_created,
        duplicate=result.duplicate,
        no_ack_reason=reason,
        acknowledgement=ack,
    )


def _sender(parsed: ParsedEmail, envelope_sender: str | None) -> str:
    for candidate in (parsed.from_address, envelope_sender):
        if candidate and candidate.strip("<> "):
            try:
                return normalize_address(kind=IdentityKind.EMAIL, address=candidate.strip("<> "))
            except ValidationFailed:
                continue
    return UNKNOWN_SENDER


def _attachments(parsed: ParsedEmail) -> tuple[list[NewAttachment], list[dict[str, Any]]]:
    """What the ingestion service accepts; the rest stays in the raw mail and is listed."""
    limit = settings.VIGIL_MAX_ATTACHMENT_BYTES
    kept: list[NewAttachment] = []
    skipped: list[dict[str, Any]] = []
    for item in parsed.attachments:
        if not item.content or item.size > limit or len(kept) >= MAX_ATTACHMENTS_PER_MESSAGE:
            skipped.append({"filename": item.filename[:200], "size": item.size})
            continue
        kept.append(
            NewAttachment(
                filename=item.filename or "attachment",
                content=item.content,
                inline=item.inline,
                content_id=item.content_id or "",
            )
        )
    return kept, skipped


def _metadata(
    parsed: ParsedEmail, *, via: str, envelope_sender: str | None, recipients: Sequence[str]
) -> dict[str, Any]:
    return {
        "email": {
            "via": via,
            "from": str(parsed.sender) if parsed.sender else "",
            "to": [str(a) for a in parsed.to][:50],
            "cc": [str(a) for a in parsed.cc][:50],
            "envelope_from": envelope_sender or "",
            "envelope_to": list(recipients)[:50],
            "in_reply_to": parsed.in_reply_to or "",
            "defects": list(parsed.defects)[:20],
        }
    }


def _thread(
    account: ChannelAccount,
    parsed: ParsedEmail,
    *,
    sender: str,
    verdict: AutoVerdict,
    recipients: Sequence[str],
) -> Ticket | None:
    keys = reference_keys(in_reply_to=parsed.in_reply_to, references=parsed.references)
    if verdict.reason == BOUNCE and verdict.bounce_of:
        keys.insert(0, verdict.bounce_of.strip("<>"))
    ticket = ticket_by_thread_keys(account=account, keys=keys)
    if ticket is not None:
        return ticket
    if verdict.reason == BOUNCE and verdict.bounce_of:
        own = own_message_pk(verdict.bounce_of)
        if own is not None:
            bounced = Message.objects.filter(pk=own).values_list("ticket_id", flat=True).first()
            if bounced is not None:
                return Ticket.objects.select_related("customer", "team", "assignee").get(pk=bounced)
    addresses = [*recipients, *(a.address for a in (*parsed.to, *parsed.cc))]
    addresses += parsed.header_all("Delivered-To") + parsed.header_all("X-Original-To")
    pk = subject_ticket_pk(parsed.subject) or address_ticket_pk(addresses)
    if pk is None:
        return None
    return ticket_for_token(pk=pk, sender=sender)


def _participants_add(
    ticket: Ticket, parsed: ParsedEmail, *, sender: str, account: ChannelAccount
) -> None:
    """CC'd people (and a colleague who answered in the thread) get the desk's replies too."""
    ours = own_addresses() | {account.address.lower()}
    customer = (ticket.customer.email or "").lower()
    seen: dict[str, str] = {}
    for addr in (*parsed.to, *parsed.cc):
        seen.setdefault(addr.address.lower(), addr.name)
    if sender != customer and sender != UNKNOWN_SENDER:
        seen.setdefault(sender, parsed.sender.name if parsed.sender else "")
    rows = []
    for address, name in seen.items():
        if address == customer or base_address(address) in ours or address in ours:
            continue
        try:
            address = normalize_address(kind=IdentityKind.EMAIL, address=address)
        except ValidationFailed:
            continue
        rows.append(
            TicketParticipant(
                ticket=ticket, kind=IdentityKind.EMAIL, address=address, name=name[:200]
            )
        )
    if rows:
        TicketParticipant.objects.bulk_create(
            rows[:MAX_PARTICIPANTS_PER_MAIL], ignore_conflicts=True
        )


def _bounce_mark(*, bounce_of: str, evidence: str) -> None:
    """The desk's mail `bounce_of` did not arrive: its delivery is failed, on the ticket."""
    outbound = outbound_message_by_message_id(bounce_of)
    if outbound is None:
        own = own_message_pk(bounce_of)
        outbound = (
            Message.objects.select_related("ticket")
            .filter(pk=own, direction=Direction.OUTBOUND)
            .first()
            if own is not None
            else None
        )
    if outbound is None or outbound.delivery_status == DeliveryStatus.FAILED:
        return
    error = f"bounced: {evidence}"[:1000]
    Message.objects.filter(pk=outbound.pk).update(
        delivery_status=DeliveryStatus.FAILED, delivery_error=error
    )
    ticket = Ticket.objects.select_related("customer", "team", "assignee").get(
        pk=outbound.ticket_id
    )
    activity_add(
        ticket=ticket,
        kind=ActivityKind.DELIVERY,
        data={"message_id": outbound.pk, "status": DeliveryStatus.FAILED, "error": error},
    )
    publish_ticket_updated(
        ticket=ticket, changes={"delivery": [outbound.pk, DeliveryStatus.FAILED]}, actor=None
    )


def _raw_keep(raw: bytes) -> str:
    """Keep the bytes as received under a content-addressed name; returns the name."""
    digest = hashlib.sha256(raw).hexdigest()
    name = f"raw/{digest[:2]}/{digest}.eml"
    storage = Message.raw.field.storage
    if not storage.exists(name):
        name = storage.save(name, ContentFile(raw))
    return name
