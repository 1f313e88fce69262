"""Reads on tickets, with permissions baked in. See docs/architecture.md#tickets.

Every list is keyset-paginated in inbox order (priority, then longest waiting), so a deep page
costs what the first page costs, and every list prefetches what it shows (no N+1).

The SQL is shaped for the indexes of Ticket.Meta (measured by bench/inbox.py at a million
tickets): the order is (URGENCY, waiting_since, id), the unsolved statuses are written as
literals (SQLite uses a partial index only for a literal match), and the tier-1 visibility test
is one that SQLite cannot split into a union of index lookups (which would sort every match).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    BigIntegerField,
    Count,
    F,
    Func,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleGreaterThanOrEqual,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual, In, Lookup
from django.db.models.sql.where import WhereNode

from vigil.accounts.models import Agent
from vigil.accounts.selectors import agent_team_ids
from vigil.core.errors import NotFound, ValidationFailed
from vigil.core.prepared import Prepared
from vigil.customers.models import Customer
from vigil.tickets.choices import UNSOLVED_STATUSES
from vigil.tickets.models import TICKET_PREFIX, URGENCY, Message, Ticket, TicketActivity

INBOX_ORDER = (URGENCY.asc(), "waiting_since", "id")  # = ("-priority", "waiting_since", "id")
_LITERAL = re.compile(r"^[a-z_]+$")


class InlineIn(In):
    """`column IN ('a', 'b')` with the values written into the SQL rather than bound, for
    fixed choice values only: SQLite uses a partial index only when the query repeats the
    index's condition literally."""

    def process_rhs(self, compiler, connection):
        values = [str(value) for value in dict.fromkeys(self.rhs)]
        if not all(_LITERAL.match(value) for value in values):
            raise ValueError(f"InlineIn takes plain choice values, not {values!r}")
        return "(" + ", ".join(f"'{value}'" for value in values) + ")", ()


def unsolved() -> InlineIn:
    """The condition of Ticket's partial indexes, as the query must spell it."""
    return InlineIn(F("status"), UNSOLVED_STATUSES)


class ByVendor:
    """One filter spelled two ways that select the same rows: `sqlite` for SQLite, `other`
    for PostgreSQL, each in the form its planner serves from Ticket's indexes (SQLite plans
    without statistics and cannot seek a row comparison on an expression; PostgreSQL can,
    and misjudges redundant conditions). Pass it to QuerySet.filter()."""

    conditional = True

    def __init__(self, *, sqlite: Q | Lookup, other: Q | Lookup) -> None:
        self.sqlite, self.other = sqlite, other

    def resolve_expression(self, *args: Any, **kwargs: Any) -> WhereNode:
        children: list[Any] = [
            self.sqlite.resolve_expression(*args, **kwargs),
            self.other.resolve_expression(*args, **kwargs),
        ]
        return _VendorNode(children)


class _VendorNode(WhereNode):
    """A resolved ByVendor: children [sqlite, other]; compiles the one for the database."""

    def as_sql(self, compiler, connection):
        return compiler.compile(self.children[1])

    def as_sqlite(self, compiler, connection):
        return compiler.compile(self.children[0])


def _unindexed(column: str) -> Func:
    """+column: SQLite's documented way to keep an index on `column` out of a plan."""
    return Func(F(column), template="(+%(expressions)s)", output_field=BigIntegerField())


@dataclass(frozen=True, kw_only=True)
class TicketFilters:
    """What the inbox may be narrowed by. Empty means "any"."""

    statuses: tuple[str, ...] = ()  # () = unsolved (new, open, pending, on hold)
    team_id: int | None = None
    unassigned_team: bool = False
    assignee_id: int | None = None
    unassigned: bool = False
    language: str = ""
    channel: str = ""
    priority: int | None = None
    customer_id: int | None = None
    tag: str = ""
    q: str = ""
    all_statuses: bool = False
    sort: str = ""  # "" = inbox order; SORT_SLA = running SLA clocks first, soonest due first


@dataclass(frozen=True, slots=True)
class TicketPage:
    items: list[Ticket]
    next_cursor: str | None


def visible_tickets(agent: Agent) -> QuerySet[Ticket]:
    """Tickets the agent may see: their teams', team-less ones and their own; or all of them
    for supervisors and admins."""
    visible = _visibility(agent)
    qs = Ticket.objects.all()
    return qs if visible is None else qs.filter(visible)


def _visibility(agent: Agent, path: str = "") -> ByVendor | None:
    """The visibility test on the ticket at `path` ("" or "ticket__"); None: sees everything.

    team IN (...) OR team IS NULL OR assignee = agent. For SQLite it is spelled with COALESCE
    (team 0 never exists), which it cannot split into three index lookups whose union it would
    then sort: it walks the ordered index and tests each row instead.
    """
    team_ids = agent_team_ids(agent)
    if team_ids is None:
        return None
    ids = sorted(team_ids)
    team = Coalesce(F(f"{path}team_id"), Value(0), output_field=BigIntegerField())
    mine = Q(**{f"{path}assignee": agent})
    return ByVendor(
        sqlite=Q(In(team, [0, *ids])) | mine,
        other=Q(**{f"{path}team_id__in": ids}) | Q(**{f"{path}team__isnull": True}) | mine,
    )


_TICKET = Prepared(
    lambda pk: Ticket.objects.select_related(
        "customer", "team", "assignee", "channel_account"
    ).filter(pk=pk)
)


def ticket_visible_to(agent: Agent, ticket: Ticket) -> bool:
    """`_visibility` for one loaded ticket."""
    team_ids = agent_team_ids(agent)
    return (
        team_ids is None
        or ticket.team_id is None
        or ticket.team_id in team_ids
        or ticket.assignee_id == agent.pk
    )


def ticket_get_to_act(agent: Agent, ticket_id: int) -> Ticket:
    """A ticket the agent may see, with its customer, team, assignee and channel account (not
    its tags), for an action on it such as a reply: two compiled look-ups instead of the ORM's
    three queries (vigil/core/prepared.py)."""
    ticket = _TICKET.first(ticket_id)
    if ticket is None or not ticket_visible_to(agent, ticket):
        raise NotFound(f"no ticket {ticket_id}")
    return ticket


def ticket_get_for_agent(agent: Agent, ticket_id: int) -> Ticket:
    try:  # get(): first() would add an ORDER BY to compile on every call
        return (
            visible_tickets(agent)
            .select_related("customer", "team", "assignee", "channel_account")
            .prefetch_related("tags")
            .get(pk=ticket_id)
        )
    except Ticket.DoesNotExist:
        raise NotFound(f"no ticket {ticket_id}") from None


def parse_ticket_reference(value: str) -> int | None:
    """123, "VG-123", "#VG-123" -> 123; anything else -> None."""
    text = value.strip().lstrip("#").upper()
    if text.startswith(TICKET_PREFIX):
        text = text[len(TICKET_PREFIX) :]
    return int(text) if text.isdigit() and len(text) < 19 else None


def _apply_filters(qs: QuerySet[Ticket], f: TicketFilters) -> QuerySet[Ticket]:
    statuses = f.statuses or (() if f.all_statuses else UNSOLVED_STATUSES)
    only_unsolved = bool(statuses) and set(statuses) <= set(UNSOLVED_STATUSES)
    if only_unsolved:
        qs = qs.filter(unsolved())  # the partial indexes serve any set of unsolved statuses
    if statuses and set(statuses) != set(UNSOLVED_STATUSES):
        qs = qs.filter(status__in=statuses) if len(statuses) > 1 else qs.filter(status=statuses[0])
    if f.team_id is not None:
        # Beyond the unsolved tickets, SQLite would sort a team's whole history from the
        # foreign-key index; walking the ordered index and testing each row is cheaper.
        qs = qs.filter(
            Q(team_id=f.team_id)
            if only_unsolved
            else ByVendor(
                sqlite=Exact(_unindexed("team_id"), f.team_id), other=Q(team_id=f.team_id)
            )
        )
    elif f.unassigned_team:
        qs = qs.filter(team__isnull=True)
    if f.assignee_id is not None:
        qs = qs.filter(assignee_id=f.assignee_id)
    elif f.unassigned:
        qs = qs.filter(assignee__isnull=True)
    if f.language:
        qs = qs.filter(language=f.language)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.priority is not None:
        # PostgreSQL seeks the indexes' leading key; SQLite, which would then sort, tests the
        # indexes' trailing `priority` while it walks them in order.
        qs = qs.filter(ByVendor(sqlite=Q(priority=f.priority), other=Exact(URGENCY, -f.priority)))
    if f.customer_id is not None:
        qs = qs.filter(customer_id=f.customer_id)
    if f.tag:
        qs = qs.filter(tags__name=f.tag)
    if f.q.strip():
        qs = qs.filter(_search(f.q.strip()))
    return qs


def _search(q: str) -> Q:
    """What `q` finds, each form answered by an index except free text:
    "VG-123" / "#VG-123" is that ticket; digits are a ticket number or an exchange UID; an
    address is the customer's e-mail; anything else also matches inside subjects (a scan)."""
    number = parse_ticket_reference(q)
    if number is not None and not q.isdigit():
        return Q(pk=number)
    # The customers are looked up once (a subquery), not joined and tested per ticket.
    # E-mail addresses are stored lower-case (customers.services.normalize_address).
    customers = Customer.objects.filter(Q(email=q.lower()) | Q(uid=q)).values("pk")
    by_customer = Q(customer_id__in=customers)
    if number is not None:
        return Q(pk=number) | by_customer
    if "@" in q and " " not in q:
        return by_customer
    return Q(subject__icontains=q) | by_customer


def encode_cursor(ticket: Ticket) -> str:
    raw = json.dumps([ticket.priority, ticket.waiting_since.isoformat(), ticket.pk])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        priority, waiting, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        when = datetime.fromisoformat(waiting)
        if when.tzinfo is None or not isinstance(priority, int) or not isinstance(pk, int):
            raise ValueError
        if not (0 <= priority < 100 and 0 <= pk < 2**63):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("the cursor is not one this server handed out") from None
    return priority, when, pk


def _after_cursor(qs: QuerySet[Ticket], cursor: str) -> QuerySet[Ticket]:
    """Rows after the cursor in inbox order: (-priority, waiting_since, id) > the cursor's."""
    priority, waiting, pk = decode_cursor(cursor)
    after = TupleGreaterThan(Tuple(F("waiting_since"), F("pk")), (waiting, pk))
    return qs.filter(
        ByVendor(
            # SQLite cannot seek a row comparison on an expression: it seeks to the cursor's
            # priority and skips the rows before the cursor on the index alone.
            sqlite=Q(GreaterThanOrEqual(URGENCY, -priority))
            & (Q(priority__lt=priority) | Q(after)),
            # PostgreSQL seeks straight to the cursor. (>= and "not the cursor's row" rather
            # than >: it estimates a row comparison by its first column alone, and "> the
            # last priority" would look empty and get a plan that reads every row.)
            other=Q(
                TupleGreaterThanOrEqual(
                    Tuple(URGENCY, F("waiting_since"), F("pk")), (-priority, waiting, pk)
                )
            )
            & ~Q(pk=pk),
        )
    )


def inbox_page(
    *, agent: Agent, filters: TicketFilters, cursor: str | None = None, limit: int = 50
) -> TicketPage:
    """One page of the agent's inbox, most urgent and longest waiting first (or, with
    sort=SORT_SLA, soonest SLA due first)."""
    if not 1 <= limit <= 200:
        raise ValidationFailed("limit must be between 1 and 200")
    qs = _apply_filters(visible_tickets(agent), filters)
    if filters.tag:
        qs = qs.distinct()
    if filters.sort == SORT_SLA:
        return _sla_page(qs, cursor, limit)
    if cursor:
        qs = _after_cursor(qs, cursor)
    rows = list(
        qs.select_related("customer", "team", "assignee")
        .prefetch_related("tags")
        .order_by(*INBOX_ORDER)[: limit + 1]
    )
    more = len(rows) > limit
    items = rows[:limit]
    return TicketPage(items=items, next_cursor=encode_cursor(items[-1]) if more else None)


SORT_SLA = "sla"
SLA_CURSOR = "s."


def _page_rows(qs: QuerySet[Ticket], order: tuple[Any, ...], n: int) -> list[Ticket]:
    return list(
        qs.select_related("customer", "team", "assignee")
        .prefetch_related("tags")
        .order_by(*order)[:n]
    )


def _sla_page(qs: QuerySet[Ticket], cursor: str | None, limit: int) -> TicketPage:
    """Tickets whose SLA clock runs by (sla_due_at, id) (overdue first; the partial index
    tickets_unsolved_sla_idx), then the rest in inbox order. A cursor says which part it is
    in: "s." + (due, id) in the first, an inbox cursor in the second."""
    rows: list[Ticket] = []
    rest = qs.filter(sla_due_at__isnull=True)
    if cursor is None or cursor.startswith(SLA_CURSOR):
        running = qs.filter(unsolved(), sla_due_at__isnull=False)
        if cursor:
            due, pk = _decode_sla_cursor(cursor)
            running = running.filter(TupleGreaterThan(Tuple(F("sla_due_at"), F("pk")), (due, pk)))
        rows = _page_rows(running, ("sla_due_at", "id"), limit + 1)
    else:
        rest = _after_cursor(rest, cursor)
    if len(rows) <= limit:
        rows += _page_rows(rest, INBOX_ORDER, limit + 1 - len(rows))
    items = rows[:limit]
    if len(rows) <= limit:
        return TicketPage(items=items, next_cursor=None)
    last = items[-1]
    return TicketPage(
        items=items,
        next_cursor=_encode_sla_cursor(last) if last.sla_due_at else encode_cursor(last),
    )


def _encode_sla_cursor(ticket: Ticket) -> str:
    assert ticket.sla_due_at is not None
    raw = json.dumps([ticket.sla_due_at.isoformat(), ticket.pk])
    return SLA_CURSOR + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_sla_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        body = cursor[len(SLA_CURSOR) :]
        due, pk = json.loads(base64.urlsafe_b64decode((body + "=" * (-len(body) % 4)).encode()))
        when = datetime.fromisoformat(due)
        if when.tzinfo is None or not isinstance(pk, int) or not 0 <= pk < 2**63:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("the cursor is not one this server handed out") from None
    return when, pk


def ticket_thread(*, ticket: Ticket) -> list[Message]:
    """All messages of a ticket across channels, oldest first, with authors and attachments."""
    return list(
        Message.objects.filter(ticket=ticket)
        .select_related("author_agent", "author_customer")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def ticket_activities(*, ticket: Ticket) -> QuerySet[TicketActivity]:
    return (
        TicketActivity.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def messages_for_agent(
    *,
    agent: Agent,
    ticket_id: int | None = None,
    external_id: str | None = None,
    limit: int = 100,
) -> list[Message]:
    # A join on the ticket, not `ticket IN (visible tickets)`: SQLite would list them all first.
    visible = _visibility(agent, "ticket__")
    qs = Message.objects.all() if visible is None else Message.objects.filter(visible)
    if ticket_id is not None:
        qs = qs.filter(ticket_id=ticket_id)
    if external_id is not None:  # an e-mail Message-ID may be given with its <brackets>
        qs = qs.filter(external_id__in={external_id, external_id.strip().strip("<>")})
    return list(
        qs.select_related("author_agent", "author_customer", "ticket")
        .prefetch_related(Prefetch("attachments"))
        .order_by("created_at", "id")[:limit]
    )


def status_counts(*, agent: Agent) -> dict[str, int]:
    rows = visible_tickets(agent).filter(unsolved()).values("status").annotate(n=Count("id"))
    counts: dict[str, int] = {str(s): 0 for s in UNSOLVED_STATUSES}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
