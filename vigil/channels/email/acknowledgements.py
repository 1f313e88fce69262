"""The acknowledgement a new ticket gets by e-mail. See docs/architecture.md#e-mail.

Written in the customer's language (en, zh-hans, zh-hant, ja; templates/acknowledgement/)
with the ticket's number. It is an outbound message of the ticket, sent through the outbox
like an agent's reply, marked automatic (`Auto-Submitted: auto-replied`). At most
ACK_CAP_PER_HOUR automatic mails go to one address an hour, so two robots that slip past the
auto-reply detection cannot answer each other for ever.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path

from django.template import Context, Engine
from django.utils import timezone

from vigil.channels.choices import ChannelKind
from vigil.channels.email.language import SUPPORTED
from vigil.channels.email.outbound import AUTO_KIND_KEY
from vigil.channels.email.selectors import auto_replies_sent
from vigil.channels.models import AutoReplyLog, ChannelAccount
from vigil.core.services import rows_insert
from vigil.tickets.choices import ActivityKind, DeliveryStatus, Direction
from vigil.tickets.models import Message, Ticket
from vigil.tickets.services import activity_add, publish_message_added

ACK_CAP_PER_HOUR = 10
ACK_WINDOW = timedelta(hours=1)
TEMPLATES = Path(__file__).resolve().parent / "templates"
ACKNOWLEDGEMENT = "acknowledgement"
RATE_LIMITED = "rate_limited"


@functools.cache
def _engine() -> Engine:
    return Engine(dirs=[str(TEMPLATES)], autoescape=False)


def acknowledgement_render(
    *, language: str, reference: str, subject: str, name: str, desk: str
) -> tuple[str, str]:
    """(subject, body) of the acknowledgement in `language` (English if unsupported)."""
    code = language if language in SUPPORTED else "en"
    template = _engine().get_template(f"acknowledgement/{code}.txt")
    rendered = template.render(
        Context({"reference": reference, "subject": subject, "name": name, "desk": desk})
    )
    head, _, body = rendered.partition("\n\n")
    title = head.removeprefix("Subject:").strip()
    return title, body.strip() + "\n"


def acknowledgement_queue(
    *, account: ChannelAccount, ticket: Ticket, inbound_subject: str, language: str
) -> tuple[Message | None, str]:
    """Store the acknowledgement of a new ticket with a pending delivery, sent after the
    commit. Returns (message, "") or (None, why not). Runs inside the caller's transaction."""
    if not account.settings.get("acknowledge", True):
        return None, "disabled"
    address = (ticket.customer.email or "").lower()
    if not address:
        return None, "no_address"
    if auto_replies_sent(address=address, within=ACK_WINDOW) >= ACK_CAP_PER_HOUR:
        return None, RATE_LIMITED
    now = timezone.now()
    name = account.name if account.name and "@" not in account.name else ""
    desk = account.settings.get("desk_name") or name or "Support"
    title, body = acknowledgement_render(
        language=language,
        reference=ticket.reference,
        subject=inbound_subject or ticket.subject,
        name=ticket.customer.name,
        desk=desk,
    )
    message = Message(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        channel=ChannelKind.EMAIL,
        channel_account=account,
        subject=title[:300],
        text=body,
        delivery_status=DeliveryStatus.PENDING,
        metadata={AUTO_KIND_KEY: ACKNOWLEDGEMENT, "automatic": True, "language": language},
        created_at=now,
    )
    rows_insert([message])  # as Message.objects.create, without rebuilding the statement
    rows_insert([AutoReplyLog(address=address, sent_at=now)])
    activity_add(
        ticket=ticket,
        kind=ActivityKind.MESSAGE,
        data={"message_id": message.pk, "direction": Direction.OUTBOUND, "automatic": True},
    )
    publish_message_added(ticket=ticket, message=message)
    from vigil.tickets.tasks import deliver_message

    # The task queue is a database table (django-tasks-db): enqueued inside the transaction,
    # the delivery commits or rolls back with the acknowledgement, and costs no commit of its
    # own. The worker cannot see the row before the commit.
    deliver_message.enqueue(message_id=message.pk)
    return message, ""
