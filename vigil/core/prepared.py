"""Querysets compiled once and run many times, for the live-chat hot paths. See
docs/architecture.md#real-time.

Django compiles a queryset's SQL anew every time it is evaluated. For a chat session fetched
by key with its account, ticket, customer and assignee that compilation is almost all of the
cost: about 970 µs of CPU through the ORM against 25 µs for the same SQL on a cursor
(bench.chat_paths, SQLite). A visitor's message and an agent's reply each ran several such
look-ups, and at a thousand chats they were most of the server's CPU.

`Prepared` builds its queryset once per database alias with a marker in place of each value,
keeps the compiled SQL and what Django learnt compiling it (columns, converters, how the
related objects are filled in), and on each call puts the values in place of the markers,
runs the SQL on the calling thread's connection and builds the instances as Django's own
ModelIterable does. It is for look-ups whose SQL does not depend on the values (equality on
keys); tests/core/test_prepared.py checks each use returns what the plain queryset does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler


def _marker(kind: type, n: int) -> Any:
    """A value of type `kind` that stands for the n-th argument while the queryset is
    compiled: it passes the fields' own conversion and is found again in the parameters."""
    if kind is int:
        return -(2**62) - n
    if kind is str:
        return f"\x1fprepared-argument-{n}\x1f"
    raise TypeError(f"arguments are int or str, not {kind.__name__}")


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]  # (position in params, argument number)
    compiler: SQLCompiler
    init_list: tuple[str, ...]
    fields_start: int
    fields_end: int
    populators: tuple[Any, ...]
    converters: dict[int, tuple[list[Any], Any]]
    vendor: str


class Prepared[M: Model]:
    """`build(*arguments)` -> the queryset, `kinds` the arguments' types (int or str);
    `first(*values)` and `all(*values)` run it with `values`."""

    def __init__(self, build: Callable[..., QuerySet[M]], *kinds: type) -> None:
        self._build = build
        self._kinds = kinds or (int,)
        self._arguments = len(self._kinds)
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def first(self, *values: Any, using: str = "default") -> M | None:
        """The first row's instance (in the queryset's order), or None."""
        rows = self.all(*values, using=using, limit=1)
        return rows[0] if rows else None

    def all(self, *values: Any, using: str = "default", limit: int | None = None) -> list[M]:
        if len(values) != self._arguments:
            raise TypeError(f"expected {self._arguments} values, got {len(values)}")
        connection = connections[using]
        compiled = self._compiled.get(using)
        if compiled is None or compiled.vendor != connection.vendor:
            compiled = self._compile(using)
        params = list(compiled.params)
        for position, n in compiled.slots:
            params[position] = values[n]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchmany(limit) if limit else cursor.fetchall()
        return [self._instance(compiled, row, using, connection) for row in rows]

    def _instance(self, compiled: _Compiled, row: Sequence[Any], using: str, connection: Any) -> M:
        if compiled.converters:
            row = list(row)
            for position, (converters, expression) in compiled.converters.items():
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
        model: type[M] = compiled.compiler.klass_info["model"]
        obj = model.from_db(
            using, compiled.init_list, row[compiled.fields_start : compiled.fields_end]
        )
        for populator in compiled.populators:
            populator.populate(row, obj)
        return obj

    def _compile(self, using: str) -> _Compiled:
        with self._lock:
            markers = [_marker(kind, n) for n, kind in enumerate(self._kinds)]
            queryset = self._build(*markers)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            slots = tuple(
                (i, markers.index(p))
                for i, p in enumerate(params)
                if type(p) in (int, str) and p in markers
            )
            if sorted(n for _, n in slots) != list(range(self._arguments)):
                raise ValueError("each argument must appear once in the query's parameters")
            select, klass_info = compiler.select, compiler.klass_info
            prefetches = queryset._prefetch_related_lookups  # type: ignore[attr-defined]
            if klass_info is None or compiler.annotation_col_map or prefetches:
                raise ValueError("only model querysets without annotations or prefetches")
            fields = klass_info["select_fields"]
            start, end = fields[0], fields[-1] + 1
            compiled = _Compiled(
                sql=sql,
                params=tuple(params),
                slots=slots,
                compiler=compiler,
                init_list=tuple(f[0].target.attname for f in select[start:end]),
                fields_start=start,
                fields_end=end,
                populators=tuple(
                    get_related_populators(
                        klass_info,
                        select,
                        using,
                        queryset._fetch_mode,  # type: ignore[attr-defined]
                    )
                ),
                converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
                vendor=compiler.connection.vendor,
            )
            self._compiled[using] = compiled
            return compiled
