"""Reads for the e-mail channel: support addresses, thread look-ups. See
docs/architecture.md#e-mail.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.db import connection, models
from django.utils import timezone

from vigil.accounts.models import Agent, Team
from vigil.channels.choices import ChannelKind
from vigil.channels.email.threads import base_address
from vigil.channels.models import AutoReplyLog, ChannelAccount
from vigil.customers.models import Customer
from vigil.tickets.choices import Direction
from vigil.tickets.models import Message, ThreadKey, Ticket, TicketParticipant

_CACHE_SECONDS = 5.0
_cache: dict[str, object] = {"at": 0.0, "accounts": {}}


def email_accounts_by_address(*, fresh: bool = False) -> dict[str, ChannelAccount]:
    """Active e-mail accounts keyed by lower-cased address; cached for a few seconds, as
    the SMTP listener asks for every recipient."""
    now = time.monotonic()
    if fresh or now - float(_cache["at"]) > _CACHE_SECONDS:  # type: ignore[arg-type]
        accounts = ChannelAccount.objects.filter(kind=ChannelKind.EMAIL, is_active=True)
        _cache["accounts"] = {a.address.lower(): a for a in accounts if a.address}
        _cache["at"] = now
    return _cache["accounts"]  # type: ignore[return-value]


def email_account_for_recipient(address: str) -> ChannelAccount | None:
    """The support account a recipient address belongs to (plus-addresses included)."""
    accounts = email_accounts_by_address()
    lowered = address.strip().lower()
    found = accounts.get(lowered) or accounts.get(base_address(lowered))
    if found is None:
        accounts = email_accounts_by_address(fresh=True)
        found = accounts.get(lowered) or accounts.get(base_address(lowered))
    return found


def email_account_cached(address: str) -> ChannelAccount | None:
    """The support account of a recipient from the cache alone (no database, so the SMTP
    loop may ask); None when it is not there or the cache is stale: ask
    `email_account_for_recipient` then."""
    if time.monotonic() - float(_cache["at"]) > _CACHE_SECONDS:  # type: ignore[arg-type]
        return None
    accounts: dict[str, ChannelAccount] = _cache["accounts"]  # type: ignore[assignment]
    lowered = address.strip().lower()
    return accounts.get(lowered) or accounts.get(base_address(lowered))


def own_addresses() -> frozenset[str]:
    return frozenset(email_accounts_by_address())


def ticket_by_thread_keys(*, account: ChannelAccount, keys: Iterable[str]) -> Ticket | None:
    """The ticket that the first known key names, with its customer, team and assignee.
    Keys are Message-IDs: of mail the desk received (the external id of its message) or sent
    (a `ThreadKey`, registered before sending). The desk's mail may go out from any of its
    addresses, so every e-mail account counts (this account's first). One statement on the
    two (account, id) unique indexes; see `_TicketLoader` for why it is written by hand."""
    keys = list(dict.fromkeys(k[:500] for k in keys if k))
    if not keys:
        return None
    account_ids = sorted({a.pk for a in email_accounts_by_address().values()} | {account.pk})
    rows = _TICKET_LOADER.by_thread_keys(keys=keys, account_ids=account_ids)
    best: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        key, account_id = row[0], row[1]
        if key not in best or account_id == account.pk:
            best[key] = row
    for key in keys:
        if key in best:
            return _TICKET_LOADER.build(best[key][2:])
    return None


class _ModelColumns:
    """One model's columns in a hand-written SELECT, turned back into the instance the ORM
    would build: Django's own converters are applied (aware datetimes, booleans, JSON)."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self._converters: dict[str, list[tuple[Any, list[Any]]]] = {}

    def sql(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(str(f.column))}" for f in self.fields)

    def build(self, values: Sequence[Any]) -> Any:
        if values[0] is None:  # no row on the outer-joined side
            return None
        converters = self._converters.get(connection.alias)
        if converters is None:
            converters = []
            for f in self.fields:
                col = f.get_col(self.alias)
                funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                converters.append((col, funcs))
            self._converters[connection.alias] = converters
        converted = []
        for value, (col, funcs) in zip(values, converters, strict=True):
            for func in funcs:
                value = func(value, col, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.names, converted)


class _TicketLoader:
    """A ticket with its customer, team and assignee, found through its thread keys.

    Every inbound e-mail that replies to anything runs this look-up; through the ORM
    (`select_related` over four tables) building the query costs ~0.8 ms of CPU, several
    times the database's own work, and the SMTP listener must stay under ~3 ms a mail.
    So the statement is written once from the models' metadata and the instances are built
    with `Model.from_db` and the ORM's converters: the same objects, the same one query.
    tests/channels/email/test_threading.py compares the result with the ORM's."""

    def __init__(self) -> None:
        self.ticket = _ModelColumns(Ticket, "t")
        self.parts = [
            (_relation("customer"), _ModelColumns(Customer, "c")),
            (_relation("team"), _ModelColumns(Team, "tm")),
            (_relation("assignee"), _ModelColumns(Agent, "a")),
        ]

    def by_thread_keys(self, *, keys: list[str], account_ids: list[int]) -> list[tuple[Any, ...]]:
        """Rows of (key, account id, ticket columns..., customer..., team..., agent...)."""
        sql = self._sql(connection.vendor, len(keys), len(account_ids))
        with connection.cursor() as cursor:
            cursor.execute(sql, [*keys, *account_ids, *keys, *account_ids])
            return list(cursor.fetchall())

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one loader per process
    def _sql(self, vendor: str, keys: int, accounts: int) -> str:
        """Ids the desk sent (thread keys) UNION ALL ids it received (its messages' external
        ids), each side on its (account, id) unique index, joined to the ticket's rows."""
        quote = connection.ops.quote_name
        columns = ", ".join([self.ticket.sql(), *(part.sql() for _, part in self.parts)])
        joins = (
            f"JOIN {quote(Ticket._meta.db_table)} t ON t.id = x.ticket_id "
            f"JOIN {quote(Customer._meta.db_table)} c ON c.id = t.customer_id "
            f"LEFT JOIN {quote(Team._meta.db_table)} tm ON tm.id = t.team_id "
            f"LEFT JOIN {quote(Agent._meta.db_table)} a ON a.id = t.assignee_id"
        )
        in_keys = f"IN ({', '.join(['%s'] * keys)})"
        in_accounts = f"x.channel_account_id IN ({', '.join(['%s'] * accounts)})"
        sides = []
        for table, column in ((ThreadKey, quote("key")), (Message, "external_id")):
            sides.append(
                f"SELECT x.{column}, x.channel_account_id, {columns} "  # noqa: S608
                f"FROM {quote(table._meta.db_table)} x {joins} "
                f"WHERE x.{column} {in_keys} AND {in_accounts}"
            )
        return " UNION ALL ".join(sides)

    def build(self, values: Sequence[Any]) -> Ticket:
        """The Ticket of one row (without the two key columns), its relations loaded."""
        width = len(self.ticket.fields)
        ticket: Ticket = self.ticket.build(values[:width])
        start = width
        for relation, part in self.parts:
            end = start + len(part.fields)
            relation.set_cached_value(ticket, part.build(values[start:end]))
            start = end
        return ticket


def _relation(name: str) -> models.ForeignKey[Any, Any]:
    field = Ticket._meta.get_field(name)
    assert isinstance(field, models.ForeignKey)
    return field


_TICKET_LOADER = _TicketLoader()


def ticket_for_token(*, pk: int, sender: str) -> Ticket | None:
    """Ticket `pk` if `sender` may thread into it by token: its customer or a participant."""
    ticket = Ticket.objects.select_related("customer", "team", "assignee").filter(pk=pk).first()
    if ticket is None or not sender:
        return None
    sender = sender.lower()
    if (ticket.customer.email or "").lower() == sender:
        return ticket
    if ticket.customer.identities.filter(kind="email", address=sender).exists():
        return ticket
    if TicketParticipant.objects.filter(ticket=ticket, kind="email", address=sender).exists():
        return ticket
    return None


def outbound_message_by_message_id(message_id: str) -> Message | None:
    return (
        Message.objects.select_related("ticket")
        .filter(
            external_id=message_id.strip("<>"),
            direction=Direction.OUTBOUND,
            channel=ChannelKind.EMAIL,
        )
        .first()
    )


def auto_replies_sent(*, address: str, within: timedelta) -> int:
    """How many automatic mails went to `address` in the last `within`. Asked for every new
    ticket, so one plain statement on the (address, sent_at) index: the ORM's COUNT costs
    ten times the database's work."""
    since = timezone.now() - within
    field = AutoReplyLog._meta.get_field("sent_at")
    assert isinstance(field, models.DateTimeField)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {quote(AutoReplyLog._meta.db_table)} "  # noqa: S608
            "WHERE address = %s AND sent_at >= %s",
            [address.lower(), field.get_db_prep_value(since, connection)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def thread_message_ids(*, ticket: Ticket, before_pk: int | None = None) -> list[str]:
    """The Message-IDs of a ticket's e-mail, oldest first (for References)."""
    qs = Message.objects.filter(
        ticket=ticket, channel=ChannelKind.EMAIL, external_id__isnull=False
    ).exclude(direction=Direction.NOTE)
    if before_pk is not None:
        qs = qs.filter(pk__lt=before_pk)
    ids = qs.order_by("created_at", "id").values_list("external_id", flat=True)
    return [mid for mid in ids if mid]
