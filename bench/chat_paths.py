"""Benchmark: the CPU and queries of one live-chat message on each hot path, in one thread.

See bench/README.md#live-chat-load-benchchat_load: the load test's server CPU per message is
the sum of these paths plus the sockets. Run `python -m bench.chat_paths [--messages 400]`
(SQLite in var/bench/chat_paths.sqlite3, rebuilt each run) or with
`VIGIL_DATABASE_URL=postgresql://.../vigil_bench_chat` (the database is created if missing and
emptied first). The desk: one widget, 20 agents, one open chat per 10 messages, each with its
agent joined. Per message it times, with the events stored and handed to the (in-memory)
channel layer as in the server:

  visitor    a visitor's message as the chat socket stores it (session, rate limits, the
             ingestion, the chat event and the desk event), to the ack's data
  reply      an agent's reply as POST /tickets/{id}/replies runs it (the ticket for the agent,
             the reply, its delivery to the chat stream, the events)

Printed: median and p90 of wall and CPU time (microseconds) and the queries per message.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.routing import configure, pg_fresh  # noqa: E402


def _timed(fn: Callable[[], Any], rows: list[tuple[float, float, int]]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # the log keeps 9,000 queries; counting past that fails
    with CaptureQueriesContext(connection) as queries:
        wall, cpu = time.perf_counter(), time.thread_time()
        fn()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    rows.append((wall * 1e6, cpu * 1e6, len(queries)))


def _report(name: str, rows: list[tuple[float, float, int]]) -> None:
    def q(values: list[float], at: float) -> float:
        return statistics.quantiles(values, n=10)[int(at * 10) - 1] if len(values) > 9 else 0.0

    walls, cpus = [r[0] for r in rows], [r[1] for r in rows]
    print(
        f"{name:8} {len(rows):5}  wall µs {statistics.median(walls):8.0f} {q(walls, 0.9):8.0f}"
        f"   cpu µs {statistics.median(cpus):8.0f} {q(cpus, 0.9):8.0f}"
        f"   queries {statistics.median([r[2] for r in rows]):4.0f}"
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.chat_paths", description=__doc__)
    p.add_argument("--messages", type=int, default=400, help="messages per path (400)")
    args = p.parse_args(argv)
    if configure("chat_paths.sqlite3") == "postgres":
        pg_fresh()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from vigil.accounts.models import Agent
    from vigil.accounts.services import agent_create
    from vigil.channels.chat import session_calls
    from vigil.channels.chat.services import chat_agent_join, chat_start
    from vigil.channels.chat.widgets import chat_widget_create
    from vigil.core.broadcast import broadcaster
    from vigil.tickets.selectors import ticket_get_to_act
    from vigil.tickets.services import message_reply

    widget = chat_widget_create(name="Bench", origins=())
    agents = [
        agent_create(email=f"a{i}@bench.test", display_name=f"A{i}", password="bench-pass-123")
        for i in range(20)
    ]
    chats = []
    for i in range(max(1, args.messages // 10)):
        started = chat_start(
            account=widget, client_id=f"s{i}", text="My deposit has not arrived",
            language="en", category="deposit",
        )  # fmt: skip
        agent = agents[i % len(agents)]
        chat_agent_join(session=started.session, agent=agent)
        chats.append((started.session, Agent.objects.get(pk=agent.pk)))
    visitor: list[tuple[float, float, int]] = []
    reply: list[tuple[float, float, int]] = []
    for n in range(args.messages):
        session, agent = chats[n % len(chats)]

        def receive(session: Any = session, n: int = n) -> None:
            session_calls.message_receive(
                session_id=session.pk, client_id=f"m{n}", text=f"Still waiting {n}", attachments=()
            )

        def answer(session: Any = session, agent: Agent = agent, n: int = n) -> None:
            ticket = ticket_get_to_act(agent, session.ticket_id)
            message_reply(ticket=ticket, agent=agent, text=f"Checking {n}")

        _timed(receive, visitor)
        _timed(answer, reply)
    broadcaster.flush()
    engine = os.environ["VIGIL_DATABASE_URL"].split(":", 1)[0]
    print(f"{engine}: {len(chats)} chats, {args.messages} messages per path; median / p90")
    _report("visitor", visitor)
    _report("reply", reply)


if __name__ == "__main__":
    main()
