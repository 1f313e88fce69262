"""Building the MIME mail for an outbound message. See docs/architecture.md#e-mail.

A reply goes to the ticket's customer with its participants in Cc, from the support
address, with a Reply-To that carries the ticket (support+VG-12@...), the ticket token in
the subject, a Message-ID of ours, and In-Reply-To/References naming the thread so every
client files it under the customer's conversation. Automatic mail (acknowledgements) says so
with `Auto-Submitted: auto-replied` (RFC 3834) and asks Exchange not to answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formataddr

from django.core.mail import EmailMultiAlternatives

from vigil.channels.base import DeliveryError
from vigil.channels.choices import ChannelKind
from vigil.channels.email.selectors import thread_message_ids
from vigil.channels.email.threads import outbound_message_id, plus_address, subject_with_token
from vigil.channels.models import ChannelAccount
from vigil.customers.choices import IdentityKind
from vigil.tickets.choices import Direction
from vigil.tickets.models import Message, ThreadKey, Ticket, TicketParticipant

MAX_REFERENCES = 20
UNKNOWN_SENDER = "unknown-sender@sender.invalid"
SYNTHETIC_DOMAIN = "vigil.synthetic"
AUTO_KIND_KEY = "auto"  # Message.metadata key marking automatic mail ("acknowledgement")


@dataclass(frozen=True, kw_only=True)
class Envelope:
    """Who a mail goes to and how it threads; computed from the ticket and its thread."""

    sender: str
    to: list[str]
    cc: list[str]
    reply_to: str
    subject: str
    message_id: str
    in_reply_to: str | None
    references: list[str]
    automatic: bool


def is_automatic(message: Message) -> bool:
    return bool((message.metadata or {}).get(AUTO_KIND_KEY))


def references_for(thread_ids: list[str]) -> list[str]:
    """The thread's root and its newest ids, at most MAX_REFERENCES (RFC 5322 3.6.4)."""
    ids = list(dict.fromkeys(thread_ids))
    if len(ids) <= MAX_REFERENCES:
        return ids
    return [ids[0], *ids[-(MAX_REFERENCES - 1) :]]


def envelope_for(
    *,
    account: ChannelAccount,
    message: Message,
    ticket: Ticket,
    recipients: list[str],
    cc: list[str],
    message_id: str,
    thread_ids: list[str],
    parent_id: str | None,
) -> Envelope:
    automatic = is_automatic(message)
    if automatic and message.subject:
        subject = message.subject
    else:
        subject = subject_with_token(
            message.subject or ticket.subject, ticket.reference, reply=True
        )
    name = account.name if account.name and "@" not in account.name else ""
    return Envelope(
        sender=formataddr((name, account.address)) if name else account.address,
        to=recipients,
        cc=[] if automatic else cc,
        reply_to=plus_address(account.address, ticket.reference),
        subject=subject,
        message_id=message_id,
        in_reply_to=parent_id,
        references=references_for(thread_ids),
        automatic=automatic,
    )


def build_mail(*, envelope: Envelope, message: Message) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": f"<{envelope.message_id}>",
        "Reply-To": envelope.reply_to,
        "X-Vigil-Ticket": str(message.ticket.reference),
    }
    if envelope.in_reply_to:
        headers["In-Reply-To"] = f"<{envelope.in_reply_to}>"
    if envelope.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in envelope.references)
    if envelope.automatic:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    mail = EmailMultiAlternatives(
        subject=envelope.subject,
        body=message.text,
        from_email=envelope.sender,
        to=envelope.to,
        cc=envelope.cc,
        headers=headers,
    )
    if message.html:
        mail.attach_alternative(message.html, "text/html")
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            mail.attach(attachment.filename, handle.read(), attachment.content_type)
    return mail


# --- who and which thread -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboundPlan:
    account: ChannelAccount
    to: list[str]
    cc: list[str]
    message_id: str
    thread_ids: list[str]
    parent_id: str | None


def email_outbound_prepare(*, account: ChannelAccount | None, message: Message) -> OutboundPlan:
    """Who an outbound mail goes to, its Message-ID (registered now as a thread key of the
    ticket, so the answer threads) and the thread it continues."""
    ticket = message.ticket
    account = account or ticket.channel_account
    if account is None or account.kind != ChannelKind.EMAIL or not account.address:
        raise DeliveryError("the ticket has no support address to send from", permanent=True)
    recipient = ticket.customer.email or (
        ticket.customer.identities.filter(kind=IdentityKind.EMAIL)
        .values_list("address", flat=True)
        .first()
    )
    if not recipient or recipient == UNKNOWN_SENDER:
        raise DeliveryError("the customer has no e-mail address", permanent=True)
    cc = [
        p
        for p in TicketParticipant.objects.filter(ticket=ticket, kind=IdentityKind.EMAIL)
        .order_by("id")
        .values_list("address", flat=True)
        if p != recipient
    ]
    domain = account.address.rpartition("@")[2]
    message_id = outbound_message_id(message_pk=message.pk, domain=domain)
    ThreadKey.objects.bulk_create(
        [ThreadKey(channel_account=account, key=message_id, ticket=ticket)], ignore_conflicts=True
    )
    thread_ids = [
        mid
        for mid in thread_message_ids(ticket=ticket, before_pk=message.pk)
        if mid and not mid.endswith("@" + SYNTHETIC_DOMAIN)
    ]
    inbound = (
        Message.objects.filter(
            ticket=ticket,
            direction=Direction.INBOUND,
            channel=ChannelKind.EMAIL,
            external_id__isnull=False,
            pk__lt=message.pk,
        )
        .exclude(external_id__endswith="@" + SYNTHETIC_DOMAIN)
        .order_by("-created_at", "-id")
        .values_list("external_id", flat=True)
        .first()
    )
    parent = inbound or (thread_ids[-1] if thread_ids else None)
    return OutboundPlan(
        account=account,
        to=[recipient],
        cc=cc,
        message_id=message_id,
        thread_ids=thread_ids,
        parent_id=parent,
    )
