"""API endpoints for tickets, their messages and attachments.

See docs/architecture.md#entry-points. Each endpoint parses, calls one selector or service, and
serializes; visibility comes from the selectors, so a ticket the agent may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import P, Query, Router, Status
from ninja.params import HeaderEx

from vigil.accounts.models import Agent, Team
from vigil.accounts.selectors import agents_list
from vigil.api_types import ERRORS, MAX_ID, ErrorOut, ObjectId, Page, Text, request_agent
from vigil.channels.choices import ChannelKind
from vigil.channels.services import channel_account_get_or_create_default
from vigil.core.errors import Conflict, NotFound, ValidationFailed
from vigil.core.languages import normalize_language
from vigil.tickets.choices import PRIORITY_BY_NAME, Priority, TicketStatus
from vigil.tickets.ingestion import InboundMessage, message_ingest
from vigil.tickets.models import Attachment, Message, Ticket
from vigil.tickets.schemas import (
    MessageList,
    MessageListQuery,
    MessageOut,
    NoteIn,
    ReplyIn,
    TicketCreateIn,
    TicketListQuery,
    TicketOut,
    TicketUpdateIn,
    attachments_decode,
)
from vigil.tickets.selectors import (
    SLA_CURSOR,
    TicketFilters,
    decode_cursor,
    inbox_page,
    messages_for_agent,
    ticket_get_for_agent,
    ticket_get_to_act,
    ticket_thread,
    visible_tickets,
)
from vigil.tickets.services import UNCHANGED, message_reply, note_add, ticket_update

router = Router(tags=["tickets"])


# --- list filters ---------------------------------------------------------------------------


def _statuses(values: list[str]) -> tuple[tuple[str, ...], bool]:
    """?status=new&status=open or ?status=new,open; "all" means every status."""
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if "all" in names:
        return (), True
    unknown = [name for name in names if name not in TicketStatus.values]
    if unknown:
        raise ValidationFailed(
            f"unknown status {unknown[0]!r}; one of {', '.join(TicketStatus.values)} or all"
        )
    return tuple(dict.fromkeys(names)), False


def _check_cursor(cursor: str) -> None:
    """Refuse a well-formed cursor whose numbers no ticket could have (before any query)."""
    if cursor.startswith(SLA_CURSOR):
        return  # an "SLA due first" cursor; inbox_page checks it
    priority, _, pk = decode_cursor(cursor)
    if priority not in Priority.values or not 1 <= pk <= MAX_ID:
        raise ValidationFailed("the cursor is not one this server handed out")


def ticket_filters(query: TicketListQuery, agent: Agent) -> TicketFilters:
    statuses, all_statuses = _statuses(query.status)
    values: dict[str, Any] = {"statuses": statuses, "all_statuses": all_statuses}
    if query.team == "none":
        values["unassigned_team"] = True
    elif query.team:
        values["team_id"] = int(query.team)
    if query.assignee == "none":
        values["unassigned"] = True
    elif query.assignee == "me":
        values["assignee_id"] = agent.pk
    elif query.assignee:
        values["assignee_id"] = int(query.assignee)
    if query.language:
        values["language"] = normalize_language(query.language)
    if query.priority:
        values["priority"] = int(PRIORITY_BY_NAME[query.priority])
    return TicketFilters(
        **values,
        channel=str(query.channel or ""),
        customer_id=query.customer,
        tag=(query.tag or "").strip().lower(),
        q=query.q or "",
        sort=query.sort,
    )


# --- tickets --------------------------------------------------------------------------------


@router.get("/tickets", response={200: Page[TicketOut], **ERRORS}, summary="List tickets")
def tickets_list(request: HttpRequest, query: Query[TicketListQuery]) -> dict[str, Any]:
    """The caller's visible tickets, most urgent first, then longest waiting."""
    agent = request_agent(request)
    filters = ticket_filters(query, agent)
    if query.cursor:
        _check_cursor(query.cursor)
    page = inbox_page(agent=agent, filters=filters, cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS}, summary="Get a ticket")
def ticket_get(request: HttpRequest, ticket_id: ObjectId) -> Ticket:
    return ticket_get_for_agent(request_agent(request), ticket_id)


def _external_id(payload: TicketCreateIn, idempotency_key: str | None) -> str | None:
    key = (idempotency_key or "").strip() or None
    if key and payload.external_id and key != payload.external_id:
        raise ValidationFailed("external_id and the Idempotency-Key header differ")
    return payload.external_id or key


@router.post(
    "/tickets",
    response={200: TicketOut, 201: TicketOut, **ERRORS},
    summary="Open a ticket on behalf of a customer",
    description="Creates the customer if new, opens a ticket with the message as its first "
    "one, and answers 201. With an `external_id` or `Idempotency-Key` that was used before, "
    "nothing is created and the answer is 200 with the ticket of the first request.",
)
def ticket_create(
    request: HttpRequest,
    payload: TicketCreateIn,
    idempotency_key: HeaderEx[Text | None, P(alias="Idempotency-Key", max_length=500)] = None,
) -> Status[Ticket]:
    agent = request_agent(request)
    kind, address = payload.customer.identity()
    result = message_ingest(
        inbound=InboundMessage(
            account=channel_account_get_or_create_default(kind=ChannelKind.API),
            sender_kind=kind,
            sender_address=address,
            sender_name=payload.customer.name,
            customer_uid=payload.customer.uid,
            language=payload.customer.language or "",
            subject=payload.subject,
            text=payload.text,
            html=payload.html,
            category=str(payload.category or ""),
            priority=PRIORITY_BY_NAME[payload.priority] if payload.priority else None,
            external_id=_external_id(payload, idempotency_key),
            attachments=attachments_decode(payload.attachments),
            metadata={"api_agent_id": agent.pk},
        )
    )
    if not result.duplicate:
        return Status(201, result.ticket)
    try:
        return Status(200, ticket_get_for_agent(agent, result.ticket.pk))
    except NotFound:
        raise Conflict(
            "this external id / Idempotency-Key was already used", code="duplicate"
        ) from None


def _agent_or_none(agent_id: int | None) -> Agent | None:
    if agent_id is None:
        return None
    agent = agents_list().filter(pk=agent_id).first()
    if agent is None:
        raise ValidationFailed(f"no agent {agent_id}")
    return agent


def _team_or_none(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ValidationFailed(f"no team {team_id}")
    return team


@router.patch(
    "/tickets/{ticket_id}",
    response={200: TicketOut, **ERRORS},
    summary="Change a ticket",
    description="Status changes follow the ticket status machine; a change it forbids (e.g. "
    "closed -> open) answers 409 with code `invalid_transition`.",
)
def ticket_patch(request: HttpRequest, ticket_id: ObjectId, payload: TicketUpdateIn) -> Ticket:
    agent = request_agent(request)
    ticket = ticket_get_for_agent(agent, ticket_id)
    sent = payload.model_fields_set
    return ticket_update(
        ticket=ticket,
        actor=agent,
        status=payload.status,
        priority=PRIORITY_BY_NAME[payload.priority] if payload.priority else None,
        category=payload.category,
        language=payload.language,
        subject=payload.subject,
        tags=payload.tags,
        assignee=_agent_or_none(payload.assignee) if "assignee" in sent else UNCHANGED,
        team=_team_or_none(payload.team) if "team" in sent else UNCHANGED,
    )


# --- messages -------------------------------------------------------------------------------


@router.get(
    "/tickets/{ticket_id}/messages",
    response={200: MessageList, **ERRORS},
    summary="A ticket's whole thread, oldest first",
)
def ticket_messages(request: HttpRequest, ticket_id: ObjectId) -> dict[str, Any]:
    ticket = ticket_get_for_agent(request_agent(request), ticket_id)
    return {"items": ticket_thread(ticket=ticket)}


@router.post(
    "/tickets/{ticket_id}/replies",
    response={201: MessageOut, **ERRORS},
    summary="Reply to the customer",
    description="Stored at once and sent through the ticket's channel after the commit; "
    "`delivery_status` tells how sending went.",
)
def ticket_reply(request: HttpRequest, ticket_id: ObjectId, payload: ReplyIn) -> Status[Message]:
    agent = request_agent(request)
    ticket = ticket_get_to_act(agent, ticket_id)
    message = message_reply(
        ticket=ticket,
        agent=agent,
        text=payload.text,
        html=payload.html,
        attachments=attachments_decode(payload.attachments),
        status=payload.status,
    )
    return Status(201, message)


@router.post(
    "/tickets/{ticket_id}/notes",
    response={201: MessageOut, **ERRORS},
    summary="Add an internal note (agents only, never sent)",
)
def ticket_note(request: HttpRequest, ticket_id: ObjectId, payload: NoteIn) -> Status[Message]:
    agent = request_agent(request)
    ticket = ticket_get_to_act(agent, ticket_id)
    message = note_add(
        ticket=ticket,
        agent=agent,
        text=payload.text,
        attachments=attachments_decode(payload.attachments),
    )
    return Status(201, message)


@router.get(
    "/messages",
    response={200: MessageList, **ERRORS},
    summary="Find messages by ticket and/or external id",
)
def messages_list(request: HttpRequest, query: Query[MessageListQuery]) -> dict[str, Any]:
    if query.ticket is None and query.external_id is None:
        raise ValidationFailed("give ticket, external_id or both")
    items = messages_for_agent(
        agent=request_agent(request),
        ticket_id=query.ticket,
        external_id=query.external_id,
        limit=query.limit,
    )
    return {"items": items}


@router.get(
    "/attachments/{attachment_id}",
    url_name="attachment_download",
    response={404: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as stored.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def attachment_download(request: HttpRequest, attachment_id: ObjectId) -> FileResponse:
    visible = visible_tickets(request_agent(request))
    attachment = Attachment.objects.filter(pk=attachment_id, message__ticket__in=visible).first()
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise NotFound(f"the file of attachment {attachment_id} is missing") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
