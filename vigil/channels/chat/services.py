"""Writes of the live chat: start, messages, leave a message, end, transfer, read, typing.

See docs/architecture.md#live-chat. A chat's messages are ordinary messages of its ticket,
stored by `message_ingest` with the widget's client id as external id (a resend is stored
once). Each visible change also appends an event to the session's stream "chat:<id>" in the
same transaction, so the sequence number the ack carries is durable with the message; the
live broadcast follows the commit.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from vigil.accounts.models import Agent, Team
from vigil.channels.chat.events import (
    ChatAgentJoined,
    ChatEnded,
    ChatLeftMessage,
    ChatMessage,
    ChatTransferred,
)
from vigil.channels.chat.limits import UPLOAD_TYPES, chat_limits
from vigil.channels.chat.selectors import (
    chat_categories,
    chat_languages,
    chat_message_seq,
    message_payload,
)
from vigil.channels.models import ChannelAccount, ChatSession, ChatUpload
from vigil.core.broadcast import broadcaster
from vigil.core.errors import Conflict, ValidationFailed
from vigil.core.events import DomainEvent, on_commit
from vigil.core.languages import normalize_language
from vigil.core.models import Event
from vigil.core.services import EventDraft, event_broadcast, events_store
from vigil.customers.choices import IdentityKind
from vigil.customers.models import ChannelIdentity
from vigil.customers.services import normalize_address
from vigil.tickets.content import sniff_content_type
from vigil.tickets.ingestion import InboundMessage, IngestResult, message_ingest
from vigil.tickets.models import Message, Ticket
from vigil.tickets.services import NewAttachment, ticket_update

logger = logging.getLogger(__name__)

State = ChatSession.State
OPEN_STATES = (State.WAITING, State.OFFERED, State.ACTIVE)


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


# --- events -------------------------------------------------------------------------------


def chat_events_add(*events: DomainEvent) -> list[Event]:
    """Append chat events to their streams inside the caller's transaction (numbers handed
    out under the stream's row lock, so in commit order); broadcast after the commit."""
    drafts = [EventDraft(stream=e.stream_name(), type=e.type, payload=e.payload()) for e in events]
    stored = events_store(drafts=drafts)

    def broadcast() -> None:
        for row, draft in zip(stored, drafts, strict=True):
            event_broadcast(event=row, stream=draft.stream)

    on_commit(broadcast)
    return stored


def chat_frame_send(*, session_id: int, frame: dict[str, Any]) -> None:
    """A transient frame (queue position, agent typing, ...) to the visitor's open sockets,
    verbatim, best effort (nothing is stored)."""
    broadcaster.send(f"chatlive.{session_id}", {"type": "chat.frame", "frame": frame})


def agent_frame_send(*, agent_id: int, frame: dict[str, Any]) -> None:
    """A transient frame (visitor typing, read) to an agent's desk sockets, best effort."""
    broadcaster.send(f"agentlive.{agent_id}", {"type": "desk.frame", "frame": frame})


def _dispatch_soon(language: str) -> None:
    """Ask the chat queue to (re)offer waiting chats after the commit."""

    def call() -> None:
        try:
            from vigil.routing.chat_queue import chat_dispatch_soon
        except ImportError:  # the queue is not installed yet
            return
        chat_dispatch_soon(language=language)

    on_commit(call)


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
        )
        events: list[DomainEvent] = [_message_event(session, result.message, client_id)]
        if leave_message:
            events.append(
                ChatLeftMessage(session_id=session.pk, ticket=result.ticket.reference, email=email)
            )
        stored = chat_events_add(*events)
        _dispatch_soon(language)
    ack = Ack(client_id=client_id, message_id=result.message.pk, seq=stored[0].seq)
    return Started(session=session, token=token, ack=ack)


def _start_again(*, result: IngestResult, client_id: str, token: str, digest: str) -> Started:
    session = ChatSession.objects.select_for_update().filter(ticket=result.ticket).first()
    if session is None:
        raise Conflict("this client id was used for another message", code="bad_frame")
    session.token_digest = digest
    session.save(update_fields=["token_digest", "updated_at"])
    return Started(session=session, token=token, ack=_ack_of(session, result.message, client_id))


def _ack_of(session: ChatSession, message: Message, client_id: str) -> Ack:
    seq = chat_message_seq(session_id=session.pk, message_id=message.pk)
    return Ack(client_id=client_id, message_id=message.pk, seq=seq or 0)


def _message_event(session: ChatSession, message: Message, client_id: str | None) -> ChatMessage:
    return ChatMessage(session_id=session.pk, **message_payload(message, client_id=client_id))


# --- messages -----------------------------------------------------------------------------


def chat_message_receive(
    *, session: ChatSession, client_id: str, text: str, attachments: Sequence[int] = ()
) -> Ack:
    """Store a visitor's message (once per client id) and its event; the ack's data."""
    account = session.account
    existing = Message.objects.filter(channel_account=account, external_id=client_id).first()
    if existing is not None:  # a resend: the same ack, nothing stored
        if existing.ticket_id != session.ticket_id:
            raise Conflict("this client id was used for another message", code="bad_frame")
        return _ack_of(session, existing, client_id)
    if session.state not in OPEN_STATES:
        raise Conflict("the chat has ended", code="ended")
    _check_text(account=account, text=text, attachments=len(attachments))
    uploads = list(ChatUpload.objects.filter(session=session, pk__in=list(attachments)))
    if len(uploads) != len(attachments):
        raise ValidationFailed("unknown upload id", code="bad_attachment")
    files = [_upload_bytes(u) for u in sorted(uploads, key=lambda u: list(attachments).index(u.pk))]
    kind, address = _visitor(email=session.email, digest=session.token_digest)
    with transaction.atomic():
        result = message_ingest(
            inbound=InboundMessage(
                account=account,
                sender_kind=kind,
                sender_address=address,
                text=text,
                external_id=client_id,
                ticket=session.ticket,
                attachments=files,
            )
        )
        if result.duplicate:
            return _ack_of(session, result.message, client_id)
        stored = chat_events_add(_message_event(session, result.message, client_id))
        _uploads_consume(uploads)
    return Ack(client_id=client_id, message_id=result.message.pk, seq=stored[0].seq)


def _upload_bytes(upload: ChatUpload) -> NewAttachment:
    with upload.file.open("rb") as handle:
        return NewAttachment(filename=upload.filename, content=handle.read())


def _uploads_consume(uploads: list[ChatUpload]) -> None:
    """The uploads became attachments: drop their rows now, their files after the commit."""
    names = [u.file.name for u in uploads if u.file.name]
    ChatUpload.objects.filter(pk__in=[u.pk for u in uploads]).delete()
    storage = ChatUpload.file.field.storage

    def remove() -> None:
        for name in names:
            storage.delete(name)

    if names:
        on_commit(remove)


def chat_message_deliver(*, message: Message) -> int:
    """Publish an agent's reply on the chat stream of its ticket (the chat adapter's
    delivery); idempotent: a message already published keeps its number. Returns the seq."""
    session = ChatSession.objects.get(ticket_id=message.ticket_id)
    with transaction.atomic():
        ChatSession.objects.select_for_update().filter(pk=session.pk).first()
        seq = chat_message_seq(session_id=session.pk, message_id=message.pk)
        if seq is not None:
            return seq
        return chat_events_add(_message_event(session, message, None))[0].seq


# --- uploads ------------------------------------------------------------------------------


def chat_upload_store(*, session: ChatSession, filename: str, content: bytes) -> ChatUpload:
    """Keep a file the visitor uploaded until a message carries it; its type is sniffed."""
    if session.state not in OPEN_STATES:
        raise Conflict("the chat has ended", code="ended")
    limits = chat_limits(session.account.settings)
    if len(content) > limits.max_upload:
        raise ValidationFailed(
            f"a file is at most {limits.max_upload} bytes", code="bad_attachment"
        )
    if not content:
        raise ValidationFailed("the file is empty", code="bad_attachment")
    content_type = sniff_content_type(content)
    if content_type not in UPLOAD_TYPES:
        raise ValidationFailed(
            f"{content_type} files are not accepted; send {', '.join(UPLOAD_TYPES)}",
            code="bad_attachment",
        )
    digest = hashlib.sha256(content).hexdigest()
    clean = (filename or "file").replace("/", "_").replace("\\", "_").strip()[:255] or "file"
    upload = ChatUpload(
        session=session,
        filename=clean,
        content_type=content_type,
        size=len(content),
        sha256=digest,
    )
    upload.file.save(f"{secrets.token_hex(16)}", ContentFile(content), save=False)
    upload.save()
    return upload


def chat_uploads_prune(*, older_than_hours: int = 24) -> int:
    """Forget uploads no message carried within a day (rows and files)."""
    cutoff = timezone.now() - timedelta(hours=older_than_hours)
    stale = list(ChatUpload.objects.filter(created_at__lt=cutoff)[:1000])
    storage = ChatUpload.file.field.storage
    for upload in stale:
        name = upload.file.name
        upload.delete()
        if name:
            storage.delete(name)
    return len(stale)


# --- leaving a message, ending, transfer ----------------------------------------------------


def chat_leave_message(
    *,
    account: ChannelAccount,
    session: ChatSession | None,
    client_id: str,
    email: str,
    text: str,
    visitor_ip: str | None = None,
) -> Started | Ack:
    """No agent (or too long a wait): the visitor's message becomes an e-mail-followed
    ticket. Without a session, one is opened directly in state left_message (Started);
    with one, the message is added and the session leaves the queue (Ack)."""
    email = normalize_address(kind=IdentityKind.EMAIL, address=email or "-")
    if session is None:
        return chat_start(
            account=account,
            client_id=client_id,
            text=text,
            email=email,
            visitor_ip=visitor_ip,
            leave_message=True,
        )
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.state == State.LEFT_MESSAGE:
            return chat_message_receive(session=locked, client_id=client_id, text=text)
        if locked.state not in (State.WAITING, State.OFFERED):
            raise Conflict("an agent is already here, or the chat ended", code="ended")
        _email_link(ticket=locked.ticket, email=email)
        locked.email = email
        ack = chat_message_receive(session=locked, client_id=client_id, text=text)
        locked.state = State.LEFT_MESSAGE
        locked.offered_to = None
        locked.offer_expires_at = None
        locked.save(
            update_fields=["state", "email", "offered_to", "offer_expires_at", "updated_at"]
        )
        chat_events_add(
            ChatLeftMessage(session_id=locked.pk, ticket=locked.ticket.reference, email=email)
        )
        _dispatch_soon(locked.language)
    session.state, session.email = locked.state, locked.email
    return ack


def _email_link(*, ticket: Ticket, email: str) -> None:
    """Make `email` an identity of the ticket's customer, so replies go by e-mail; if the
    address belongs to another customer already, the ticket moves to that customer."""
    owner = (
        ChannelIdentity.objects.filter(kind=IdentityKind.EMAIL, address=email)
        .values_list("customer_id", flat=True)
        .first()
    )
    if owner is None:
        ChannelIdentity.objects.create(
            customer_id=ticket.customer_id, kind=IdentityKind.EMAIL, address=email
        )
        if not ticket.customer.email:
            type(ticket.customer).objects.filter(pk=ticket.customer_id).update(email=email)
    elif owner != ticket.customer_id:
        Ticket.objects.filter(pk=ticket.pk).update(customer_id=owner)


def chat_end(*, session: ChatSession, by: str, actor: Agent | None = None) -> ChatSession:
    """End the chat (by the agent, the visitor, or the system); the transcript goes to the
    visitor's e-mail address when they gave one. Ending twice changes nothing."""
    if by not in ("agent", "customer", "system"):
        raise ValidationFailed(f"unknown ender {by!r}")
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.state not in OPEN_STATES:
            return locked
        locked.state = State.ENDED
        locked.ended_at = timezone.now()
        locked.offered_to = None
        locked.offer_expires_at = None
        locked.save(
            update_fields=["state", "ended_at", "offered_to", "offer_expires_at", "updated_at"]
        )
        chat_events_add(ChatEnded(session_id=locked.pk, by=by, transcript_to=locked.email or None))
        if locked.email:
            from vigil.channels.chat.tasks import send_chat_transcript

            session_id = locked.pk
            on_commit(lambda: send_chat_transcript.enqueue(session_id=session_id))
        _dispatch_soon(locked.language)
    session.state, session.ended_at = locked.state, locked.ended_at
    return locked


def chat_agent_join(*, session: ChatSession, agent: Agent) -> ChatSession:
    """`agent` takes the chat (accepted an offer): active, and the visitor is told."""
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if locked.state not in OPEN_STATES:
            raise Conflict("the chat has ended", code="ended")
        locked.state = State.ACTIVE
        locked.agent = agent
        locked.accepted_at = locked.accepted_at or timezone.now()
        locked.offered_to = None
        locked.offer_expires_at = None
        locked.save(
            update_fields=[
                "state",
                "agent",
                "accepted_at",
                "offered_to",
                "offer_expires_at",
                "updated_at",
            ]
        )
        chat_events_add(ChatAgentJoined(session_id=locked.pk, agent_name=agent.display_name))
    return locked


def chat_transfer(
    *,
    session: ChatSession,
    actor: Agent | None,
    agent: Agent | None = None,
    team: Team | None = None,
) -> ChatSession:
    """Hand the chat to another agent (active with them at once) or to a team (back in the
    queue, offered to that team's agents); the visitor is told, the ticket follows."""
    if (agent is None) == (team is None):
        raise ValidationFailed("transfer to an agent or to a team")
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().select_related("ticket").get(pk=session.pk)
        if locked.state not in OPEN_STATES:
            raise Conflict("the chat has ended", code="ended")
        ticket = Ticket.objects.select_related("customer", "team", "assignee").get(
            pk=locked.ticket_id
        )
        locked.offered_to = None
        locked.offer_expires_at = None
        if agent is not None:
            locked.state, locked.agent = State.ACTIVE, agent
            locked.accepted_at = locked.accepted_at or timezone.now()
            ticket_update(ticket=ticket, actor=actor, assignee=agent)
        else:
            locked.state, locked.agent, locked.queued_at = State.WAITING, None, timezone.now()
            ticket_update(ticket=ticket, actor=actor, team=team, assignee=None)
        locked.save(
            update_fields=[
                "state",
                "agent",
                "accepted_at",
                "queued_at",
                "offered_to",
                "offer_expires_at",
                "updated_at",
            ]
        )
        chat_events_add(
            ChatTransferred(
                session_id=locked.pk,
                agent_name=agent.display_name if agent else None,
                team=team.name if team else None,
            )
        )
        _dispatch_soon(locked.language)
    return locked


def chat_read(*, session: ChatSession, seq: int) -> bool:
    """The visitor has seen the stream up to `seq`; True when that is news."""
    changed = ChatSession.objects.filter(pk=session.pk, customer_read_seq__lt=seq).update(
        customer_read_seq=seq
    )
    if changed:
        session.customer_read_seq = seq
    return bool(changed)
