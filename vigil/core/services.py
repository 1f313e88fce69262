"""Core writes: storing events in their stream's sequence and broadcasting them.

See docs/architecture.md#events.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from vigil.core.broadcast import broadcaster
from vigil.core.events import DomainEvent
from vigil.core.models import Event, EventStream

logger = logging.getLogger(__name__)


# --- rows ---------------------------------------------------------------------------------
# The hot paths insert a few rows at a time (a message, its events, its activity rows), and
# through the ORM building such an INSERT costs several times what the database does with
# it. rows_insert() does what bulk_create() does for new rows of one model (each field's
# pre_save and database preparation; ids read back with RETURNING, in order, as Django
# relies on too) with the statement text built once per (model, row count). No signals are
# sent; Vigil uses none (STYLE.md). tests/tickets/test_ingestion.py compares with the ORM.

ROWS_PER_INSERT = 200


def rows_insert(objs: Sequence[Model]) -> None:
    """INSERT new rows for `objs` (instances of one model), setting their pks. A value the
    database computes (an expression, a db_default) goes through `bulk_create` itself."""
    if not objs:
        return
    model = type(objs[0])
    fields = _insert_fields(model)
    values = [[f.pre_save(obj, True) for f in fields] for obj in objs]
    computed = any(hasattr(v, "resolve_expression") for row in values for v in row)
    if computed or not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(objs)
        return
    for start in range(0, len(objs), ROWS_PER_INSERT):
        chunk = values[start : start + ROWS_PER_INSERT]
        params = [
            f.get_db_prep_save(v, connection)
            for row in chunk
            for f, v in zip(fields, row, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(model, connection.vendor, len(chunk)), params)
            ids = [row[0] for row in cursor.fetchall()]
        for obj, pk in zip(objs[start : start + ROWS_PER_INSERT], ids, strict=True):
            obj.pk = pk
            obj._state.adding = False
            obj._state.db = connection.alias


@functools.cache
def _insert_fields(model: type[Model]) -> list[Any]:
    meta = model._meta
    return [
        f
        for f in meta.local_concrete_fields
        if f is not meta.auto_field and not getattr(f, "generated", False)
    ]


@functools.lru_cache(maxsize=256)
def _insert_sql(model: type[Model], vendor: str, rows: int) -> str:
    quote = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(quote(str(f.column)) for f in fields)
    one = f"({', '.join(['%s'] * len(fields))})"
    pk = quote(str(model._meta.pk.column)) if model._meta.pk is not None else "id"
    table = quote(model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([one] * rows)} RETURNING {pk}"  # noqa: S608


def row_update(obj: Model, names: Sequence[str]) -> None:
    """UPDATE the named fields of `obj`'s row to its current values, as
    `obj.save(update_fields=names)` does (each field's pre_save: an `auto_now` field is
    stamped), with the statement text built once per (model, fields)."""
    sql, fields = _update_plan(type(obj), connection.vendor, tuple(dict.fromkeys(names)))
    params = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, obj.pk])


@functools.lru_cache(maxsize=64)
def _update_plan(model: type[Model], vendor: str, names: tuple[str, ...]) -> tuple[str, list[Any]]:
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    concrete = [f for f in fields if isinstance(f, Field) and f.concrete]
    if len(concrete) != len(fields):
        raise ValueError(f"not all columns of {meta.label}: {names}")
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(str(f.column))} = %s" for f in concrete)
    pk = quote(str(meta.pk.column)) if meta.pk is not None else "id"
    return f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {pk} = %s", concrete  # noqa: S608


def stream_group(stream: str) -> str:
    """The channel-layer group carrying a stream's live events. Group names allow only
    letters, digits, '-', '_' and '.', so other characters (the ':' of "chat:12") become '.'."""
    return "vigil.stream." + _GROUP_UNSAFE.sub(".", stream)


_GROUP_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def event_message(event: Event, stream: str) -> dict[str, Any]:
    """The wire form of a stored event: what a socket receives, live or on resync."""
    return {
        "stream": stream,
        "seq": event.seq,
        "event": event.type,
        "team_id": event.team_id,
        "agent_id": event.agent_id,
        "payload": event.payload,
        "at": event.created_at.isoformat(),
    }


_stream_ids: dict[str, int] = {}


def _stream_id(name: str) -> int:
    """The id of a stream's row, created on first use; rows are never deleted, so cache it."""
    stream_id = _stream_ids.get(name)
    if stream_id is None:
        stream_id = EventStream.objects.get_or_create(name=name)[0].pk
        _stream_ids[name] = stream_id
    return stream_id


def _advance(stream_id: int, name: str, count: int) -> int | None:
    """Take `count` sequence numbers; returns the last (None: no such row). The UPDATE holds
    the stream's row lock until the commit, so numbers are handed out in commit order with
    no gaps."""
    table = connection.ops.quote_name(EventStream._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seq = last_seq + %s "  # noqa: S608
            "WHERE id = %s AND name = %s RETURNING last_seq",
            [count, stream_id, name],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _take(name: str, count: int) -> tuple[int, int]:
    """(stream id, last sequence number) after taking `count` numbers of stream `name`. A
    cached id whose row is gone (a flushed test database) is looked up again, in the same
    transaction: nothing was written for it, so nothing needs a savepoint to undo."""
    stream_id = _stream_id(name)
    last = _advance(stream_id, name, count)
    if last is None:
        _stream_ids.pop(name, None)
        stream_id = _stream_id(name)
        last = _advance(stream_id, name, count)
        if last is None:
            raise EventStream.DoesNotExist(f"event stream {name!r}")
    return stream_id, last


@dataclass(frozen=True, slots=True)
class EventDraft:
    stream: str
    type: str
    payload: dict[str, Any]
    team_id: int | None = None
    agent_id: int | None = None


def events_store(*, drafts: Sequence[EventDraft]) -> list[Event]:
    """Append events to their streams with the next sequence numbers, in one transaction.

    Inside a caller's transaction no savepoint is taken (two statements per call on a chat
    message's hot path): nothing here recovers from an error, which rolls the caller back."""
    stored: list[Event] = []
    by_stream: dict[str, list[EventDraft]] = {}
    for draft in drafts:
        by_stream.setdefault(draft.stream, []).append(draft)
    with transaction.atomic(savepoint=False):
        for name, items in by_stream.items():
            stream_id, last = _take(name, len(items))
            rows = [
                Event(
                    stream_id=stream_id,
                    seq=last - len(items) + 1 + i,
                    type=d.type,
                    payload=d.payload,
                    team_id=d.team_id,
                    agent_id=d.agent_id,
                )
                for i, d in enumerate(items)
            ]
            rows_insert(rows)
            stored += rows
    return stored


def event_store(
    *,
    stream: str,
    type: str,
    payload: dict[str, Any],
    team_id: int | None = None,
    agent_id: int | None = None,
) -> Event:
    """Append one event to `stream` with the next sequence number, durably."""
    draft = EventDraft(
        stream=stream, type=type, payload=payload, team_id=team_id, agent_id=agent_id
    )
    return events_store(drafts=[draft])[0]


def event_broadcast(*, event: Event, stream: str) -> None:
    """Hand a stored event to the broadcaster for live sockets. A failure loses nothing:
    clients fill gaps from the log."""
    broadcaster.send(stream_group(stream), {"type": "stream.event", **event_message(event, stream)})


_coalescing = threading.local()


@contextmanager
def events_coalesced() -> Iterator[None]:
    """Publish the events of every commit made inside the block together, at its end: one
    transaction and one sequence-number update for all of them instead of one per commit.

    For a writer that stores several inbound messages per commit (the SMTP listener's group
    commit): the `publish_on_commit` hooks that run after its commit only collect here. As
    with those hooks, a failure to store is logged, never raised: the data is committed.
    Nested blocks join the outermost one.
    """
    if getattr(_coalescing, "pending", None) is not None:
        yield
        return
    pending: list[DomainEvent] = []
    _coalescing.pending = pending
    try:
        yield
    finally:
        _coalescing.pending = None
        if pending:
            try:
                event_publish(events=pending)
            except Exception:
                logger.exception("storing %d coalesced events failed", len(pending))


def event_publish(*, events: Sequence[DomainEvent]) -> list[Event]:
    """Store events (one transaction for all of them), then broadcast them in order. Inside
    `events_coalesced()` they are only collected (and [] is returned)."""
    pending: list[DomainEvent] | None = getattr(_coalescing, "pending", None)
    if pending is not None:
        pending.extend(events)
        return []
    drafts = _drafts(events)
    stored = events_store(drafts=drafts)
    for row, draft in zip(stored, drafts, strict=True):
        event_broadcast(event=row, stream=draft.stream)
    return stored


def events_publish_in_transaction(*, events: Sequence[DomainEvent]) -> None:
    """Store events inside the current transaction and broadcast them once it commits (the
    SQLite path of `publish_on_commit`, vigil/core/events.py): nothing of them remains if it
    rolls back."""
    drafts = _drafts(events)
    pairs = [(row, d.stream) for row, d in zip(events_store(drafts=drafts), drafts, strict=True)]

    def broadcast() -> None:
        for row, stream in pairs:
            event_broadcast(event=row, stream=stream)

    transaction.on_commit(broadcast, robust=True)


def _drafts(events: Sequence[DomainEvent]) -> list[EventDraft]:
    drafts = []
    for event in events:
        team_id, agent_id = event.audience()
        drafts.append(
            EventDraft(
                stream=event.stream_name(),
                type=event.type,
                payload=event.payload(),
                team_id=team_id,
                agent_id=agent_id,
            )
        )
    return drafts


EVENT_RETENTION = timedelta(days=7)


def events_prune(*, older_than: timedelta = EVENT_RETENTION) -> int:
    """Forget events older than `older_than`; a client further behind reloads its state."""
    cutoff = timezone.now() - older_than
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
