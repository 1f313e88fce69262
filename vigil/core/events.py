"""The one event catalogue: every event type Vigil publishes, and how it is published.

See docs/architecture.md#events. Apps declare their events as frozen dataclasses in their own
events.py, decorated with @register; services hand them to publish_on_commit().
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.db import connection, transaction

DESK_STREAM = "desk"


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event. `type` names it on the wire; `stream` says who listens."""

    type: ClassVar[str] = ""
    stream: ClassVar[str] = DESK_STREAM

    def stream_name(self) -> str:
        return self.stream

    def audience(self) -> tuple[int | None, int | None]:
        """(team id, agent id) who may receive the event; (None, None) is the whole stream."""
        return (None, None)

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


CATALOGUE: dict[str, type[DomainEvent]] = {}

E = TypeVar("E", bound=type[DomainEvent])


def register[E: type[DomainEvent]](cls: E) -> E:
    if not cls.type:
        raise TypeError(f"{cls.__name__} declares no type")
    if cls.type in CATALOGUE and CATALOGUE[cls.type] is not cls:
        raise TypeError(f"event type {cls.type!r} is declared twice")
    CATALOGUE[cls.type] = cls
    return cls


def publish_on_commit(*events: DomainEvent) -> None:
    """Publish `events` once the current transaction commits; nothing if it rolls back.

    Events passed together are stored in one transaction with consecutive sequence numbers,
    so a service that raises several events passes them in one call.

    On PostgreSQL they are stored in a transaction of their own after the commit, so a
    stream's sequence row is locked only for that short transaction. On SQLite, where the
    writers of a process take turns anyway, they are stored inside the current transaction and
    only broadcast after it: one transaction per chat message instead of two (bench.chat_paths).
    """
    from vigil.core.services import event_publish, events_publish_in_transaction

    if not events:
        return
    if connection.vendor == "sqlite" and connection.in_atomic_block:
        events_publish_in_transaction(events=events)
        return
    transaction.on_commit(lambda: event_publish(events=events), robust=True)


def on_commit(fn: Callable[[], Any]) -> None:
    """Run `fn` after the current transaction commits (e.g. enqueue a task)."""
    transaction.on_commit(fn, robust=True)
