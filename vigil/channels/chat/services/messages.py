"""Opening a chat and the visitor's messages: stored once per client id, acked after the
commit. See docs/architecture.md#live-chat.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from vigil.channels.chat.events import (
    ChatLeftMessage,
    ChatMessage,
)
from vigil.channels.chat.limits import chat_limits
from vigil.channels.chat.selectors import (
    OPEN_STATES,
    chat_categories,
    chat_languages,
    chat_message_seq,
    message_payload,
)
from vigil.channels.chat.services.stream import chat_events_add, dispatch_soon
from vigil.channels.chat.services.uploads import upload_bytes, uploads_consume
from vigil.channels.models import ChannelAccount, ChatSession, ChatUpload
from vigil.core.errors import Conflict, ValidationFailed
from vigil.core.events import DomainEvent
from vigil.core.languages import normalize_language
from vigil.core.prepared import Prepared
from vigil.customers.choices import IdentityKind
from vigil.customers.services import normalize_address
from vigil.tickets.ingestion import (
    InboundMessage,
    IngestResult,
    ingested_duplicate,
    message_ingest,
)
from vigil.tickets.models import Message

logger = logging.getLogger(__name__)

State = ChatSession.State


@dataclass(frozen=True, slots=True)
class Ack:
    client_id: str
    message_id: int
    seq: int


@dataclass(frozen=True, slots=True)
class Started:
    session: ChatSession
    token: str  # the plain token, handed to the widget once (only its digest is stored)
    ack: Ack


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- start --------------------------------------------------------------------------------


def _visitor(*, email: str, digest: str) -> tuple[str, str]:
    """(identity kind, address) of a visitor: their e-mail when given (one customer across
    e-mail and chat), else an address of the session's own."""
    if email:
        return IdentityKind.EMAIL, normalize_address(kind=IdentityKind.EMAIL, address=email)
    return IdentityKind.CHAT, f"visitor:{digest[:32]}"


def _check_text(*, account: ChannelAccount, text: str, attachments: int) -> None:
    limits = chat_limits(account.settings)
    if len(text) > limits.max_text:
        raise ValidationFailed(
            f"a message is at most {limits.max_text} characters", code="text_too_long"
        )
    if not text.strip() and not attachments:
        raise ValidationFailed("the message is empty", code="empty_message")
    if attachments > limits.max_attachments:
        raise ValidationFailed(
            f"at most {limits.max_attachments} attachments per message", code="bad_attachment"
        )


def chat_start_check(
    *, account: ChannelAccount, text: str, language: str, category: str
) -> tuple[str, str]:
    """Refuse a start that cannot succeed (before it counts against a rate limit); returns
    the normalized (language, category)."""
    _check_text(account=account, text=text, attachments=0)
    return _check_start(account=account, language=language, category=category)


def _check_start(*, account: ChannelAccount, language: str, category: str) -> tuple[str, str]:
    languages = chat_languages(account)
    try:
        code = normalize_language(language) if language else languages[0]
    except ValidationFailed:
        code = ""
    if code not in languages:
        raise ValidationFailed(f"language is one of {', '.join(languages)}", code="bad_language")
    values = [value for value, _ in chat_categories(account)]
    category = category or "other"
    if category not in values:
        raise ValidationFailed(f"category is one of {', '.join(values)}", code="bad_category")
    return code, category


def chat_start(
    *,
    account: ChannelAccount,
    client_id: str,
    text: str,
    language: str = "",
    category: str = "",
    email: str = "",
    uid: str = "",
    name: str = "",
    visitor_ip: str | None = None,
    leave_message: bool = False,
) -> Started:
    """Open a chat with its first message: a ticket, the session (waiting in the queue, or
    left_message), the message's event. A resend of the same client id returns the session
    already opened with a fresh token (the first answer was lost, so its token was never
    kept) and stores nothing new."""
    if account.kind != "chat" or not account.is_active:
        raise ValidationFailed("no such chat widget", code="no_session")
    language, category = chat_start_check(
        account=account, text=text, language=language, category=category
    )
    if email:
        email = normalize_address(kind=IdentityKind.EMAIL, address=email)
    token = secrets.token_urlsafe(32)
    digest = token_digest(token)
    kind, address = _visitor(email=email, digest=digest)
    now = timezone.now()
    with transaction.atomic():
        result = message_ingest(
            inbound=InboundMessage(
                account=account,
                sender_kind=kind,
                sender_address=address,
                sender_name=name,
                customer_uid=uid or None,
                text=text,
                external_id=client_id,
                language=language,
                category=category,
                received_at=now,
            )
        )
        if result.duplicate:
            return _start_again(result=result, client_id=client_id, token=token, digest=digest)
        session = ChatSession.objects.create(
            account=account,
            ticket=result.ticket,
            token_digest=digest,
            state=State.LEFT_MESSAGE if leave_message else State.WAITING,
            language=language,
            category=category,
            email=email,
            visitor_ip=visitor_ip,
            queued_at=None if leave_message else now,
            visitor_seen_at=now,
        )
        events: list[DomainEvent] = [
            _message_event(session, result.message, client_id, has_files=False)
        ]
        if leave_message:
            events.append(
                ChatLeftMessage(session_id=session.pk, ticket=result.ticket.reference, email=email)
            )
        stored = chat_events_add(*events)
        dispatch_soon(language)
    ack = Ack(client_id=client_id, message_id=result.message.pk, seq=stored[0].seq)
    return Started(session=session, token=token, ack=ack)


def _start_again(*, result: IngestResult, client_id: str, token: str, digest: str) -> Started:
    session = ChatSession.objects.select_for_update().filter(ticket=result.ticket).first()
    if session is None:
        raise Conflict("this client id was used for another message", code="bad_frame")
    session.token_digest = digest
    session.save(update_fields=["token_digest", "updated_at"])
    return Started(session=session, token=token, ack=_ack_of(session, result.message, client_id))


def _resent(session: ChatSession, existing: Message, client_id: str) -> Ack:
    """The ack of a message stored before under this client id."""
    if existing.ticket_id != session.ticket_id:
        raise Conflict("this client id was used for another message", code="bad_frame")
    return _ack_of(session, existing, client_id)


def _ack_of(session: ChatSession, message: Message, client_id: str) -> Ack:
    seq = chat_message_seq(session_id=session.pk, message_id=message.pk)
    return Ack(client_id=client_id, message_id=message.pk, seq=seq or 0)


def _message_event(
    session: ChatSession, message: Message, client_id: str | None, *, has_files: bool = True
) -> ChatMessage:
    """The message's event; `has_files=False` when the caller stored it without attachments
    (no query for them)."""
    payload = message_payload(message, client_id=client_id, attachments=None if has_files else [])
    return ChatMessage(session_id=session.pk, **payload)


# --- messages -----------------------------------------------------------------------------

# Locked by every agent reply's delivery (compiled once: vigil/core/prepared.py).
_SESSION_OF_TICKET = Prepared(
    lambda ticket_id: ChatSession.objects.select_for_update().filter(ticket_id=ticket_id)
)
# A resend's look-up, before every visitor message (compiled once: vigil/core/prepared.py).
_BY_CLIENT_ID = Prepared(
    lambda account_id, client_id: Message.objects.filter(
        channel_account_id=account_id, external_id=client_id
    ),
    int,
    str,
)


def chat_message_receive(
    *, session: ChatSession, client_id: str, text: str, attachments: Sequence[int] = ()
) -> Ack:
    """Store a visitor's message (once per client id) and its event; the ack's data."""
    account = session.account
    existing = _BY_CLIENT_ID.first(account.pk, client_id)
    if existing is not None:  # a resend: the same ack, nothing stored
        return _resent(session, existing, client_id)
    if session.state not in OPEN_STATES:
        raise Conflict("the chat has ended", code="ended")
    _check_text(account=account, text=text, attachments=len(attachments))
    uploads = (
        list(ChatUpload.objects.filter(session=session, pk__in=list(attachments)))
        if attachments
        else []
    )
    if len(uploads) != len(attachments):
        raise ValidationFailed("unknown upload id", code="bad_attachment")
    files = [upload_bytes(u) for u in sorted(uploads, key=lambda u: list(attachments).index(u.pk))]
    kind, address = _visitor(email=session.email, digest=session.token_digest)
    inbound = InboundMessage(
        account=account,
        sender_kind=kind,
        sender_address=address,
        text=text,
        external_id=client_id,
        ticket=session.ticket,
        attachments=files,
    )
    try:
        # No savepoint of the ingestion's own: a resend racing this one (the same client id
        # on another socket) fails the whole transaction on the unique key, and is answered
        # below with the message the other one stored.
        with transaction.atomic():
            result = message_ingest(inbound=inbound, savepoint=False)
            event = _message_event(session, result.message, client_id, has_files=bool(files))
            stored = chat_events_add(event)
            if uploads:
                uploads_consume(uploads)
    except IntegrityError:
        duplicate = ingested_duplicate(inbound)
        if duplicate is None:
            raise
        return _resent(session, duplicate.message, client_id)
    return Ack(client_id=client_id, message_id=result.message.pk, seq=stored[0].seq)


def chat_message_deliver(*, message: Message) -> int:
    """Publish an agent's reply on the chat stream of its ticket (the chat adapter's
    delivery); idempotent: a message already published keeps its number. Returns the seq.

    The first attempt (attempt 1: the reply's own transaction,
    tickets.services.messages._deliver_now, or the worker's claim in message_deliver) cannot
    have published before, so only a retry looks the message up in the stream, a search
    through the chat's events that grows with the chat."""
    with transaction.atomic():
        session = _SESSION_OF_TICKET.first(message.ticket_id)
        if session is None:
            raise ChatSession.DoesNotExist(f"no chat session for ticket {message.ticket_id}")
        if message.delivery_attempts != 1:
            seq = chat_message_seq(session_id=session.pk, message_id=message.pk)
            if seq is not None:
                return seq
        return chat_events_add(_message_event(session, message, None))[0].seq
