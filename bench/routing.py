"""Benchmark: triage + routing + assignment per message, and each step alone.

See docs/architecture.md#routing-and-assignment. Run `python -m bench.routing [--messages 600]`
(SQLite in var/bench/routing.sqlite3, rebuilt each run) or with
`VIGIL_DATABASE_URL=postgresql://.../vigil_bench_routing` (the database is created if missing and
emptied first). The desk: 6 teams with fallbacks, 8 routing rules, 40 agents online with mixed
languages and tiers; the messages are the triage corpora (tests/routing/*.tsv), each a new
ticket from a distinct customer. Per message it times, in one process and thread:

  triage     the pure triage function (no database)
  route      ticket_route on the new ticket (rules, on-shift look-up, fallback chain)
  assign     ticket_push_assign (team lock, candidates, loads, sticky look-up, the claim)
  pipeline   message_ingest (store + triage + route, one transaction) then ticket_push_assign
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
BENCH_DIR = ROOT / "var" / "bench"


def configure(sqlite_name: str) -> str:
    """Environment for an in-process benchmark: var/bench/<sqlite_name> rebuilt, or the
    PostgreSQL database of VIGIL_DATABASE_URL (call `pg_fresh` after). Returns the engine."""
    (BENCH_DIR / "static").mkdir(parents=True, exist_ok=True)
    os.environ["VIGIL_DATA_DIR"] = str(BENCH_DIR)
    os.environ["VIGIL_EMBEDDED_WORKER"] = "0"
    os.environ.pop("VIGIL_REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    url = os.environ.get("VIGIL_DATABASE_URL", "")
    if not url.startswith("postgres"):
        path = BENCH_DIR / sqlite_name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["VIGIL_DATABASE_URL"] = f"sqlite://{path}"
        return "sqlite"
    return "postgres"


def pg_fresh() -> None:
    """Drop and create the database of VIGIL_DATABASE_URL."""
    import psycopg

    url = os.environ["VIGIL_DATABASE_URL"]
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


LANGS = ("en", "zh-hans", "zh-hant", "ja")


def seed() -> None:
    """Teams, fallbacks, rules and 40 online agents."""
    from vigil.accounts.choices import Presence, Role
    from vigil.accounts.models import Agent, Team
    from vigil.accounts.services import agent_create, team_create
    from vigil.routing.choices import Strategy
    from vigil.routing.models import RoutingRule, TeamRouting

    teams = {
        name: team_create(name=name, languages=langs)
        for name, langs in (
            ("General", ("en",)),
            ("Chinese", ("zh-hans",)),
            ("Taiwan", ("zh-hant",)),
            ("Japan", ("ja",)),
            ("Security", LANGS),
            ("VIP", LANGS),
        )
    }
    for name, fallback in (("Taiwan", "Chinese"), ("Japan", "General"), ("Chinese", "General")):
        Team.objects.filter(pk=teams[name].pk).update(fallback=teams[fallback])
    TeamRouting.objects.create(team=teams["Chinese"], strategy=Strategy.ROUND_ROBIN)
    rules: list[tuple[str, dict[str, Any], str, int | None]] = [
        ("security", {"security_only": True}, "Security", 4),
        ("vip", {"min_vip_tier": 2}, "VIP", 3),
        ("distressed", {"tones": ["distressed"]}, "VIP", None),
        ("zh-hant", {"languages": ["zh-hant"]}, "Taiwan", None),
        ("zh-hans", {"languages": ["zh-hans"]}, "Chinese", None),
        ("ja", {"languages": ["ja"]}, "Japan", None),
        ("kyc", {"categories": ["kyc"]}, "General", None),
        ("rest", {}, "General", None),
    ]
    for n, (name, cond, team, prio) in enumerate(rules):
        RoutingRule.objects.create(
            name=name, position=n, team=teams[team], set_priority=prio, **cond
        )
    names = list(teams)
    for n in range(40):
        langs = ("en", LANGS[n % 4]) if n % 3 else (LANGS[n % 4],)
        agent = agent_create(
            email=f"bench{n}@desk.test",
            password="bench-password-123",
            role=(Role.TIER1, Role.TIER2, Role.TIER3)[n % 3],
            languages=langs,
            capacity=100,
            teams=[teams[names[n % len(names)]], teams[names[(n + 1) % len(names)]]],
            check_password=False,
        )
        Agent.objects.filter(pk=agent.pk).update(presence=Presence.ONLINE, capacity=30_000)


def texts() -> list[tuple[str, int]]:
    from tests.routing import corpus

    cases = [*corpus.load(corpus.CORPUS), *corpus.load(corpus.HOLDOUT)]
    return [(c.text, c.vip) for c in cases]


def timed(fn: Callable[[], Any], into: list[float]) -> Any:
    t0 = time.perf_counter()
    result = fn()
    into.append(time.perf_counter() - t0)
    return result


def stats(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{name:9s} median {p50:7.3f} ms  p99 {p99:7.3f} ms  ({len(ordered)} messages)"


def run(messages: int) -> dict[str, list[float]]:
    from tests.factories.tickets import inbound
    from vigil.customers.models import Customer
    from vigil.routing.assignment import ticket_push_assign
    from vigil.routing.routes import ticket_route
    from vigil.routing.triage import preload, triage
    from vigil.tickets.ingestion import message_ingest
    from vigil.tickets.models import Ticket

    preload(LANGS)
    corpus = texts()
    out: dict[str, list[float]] = {"triage": [], "route": [], "assign": [], "pipeline": []}
    for n in range(messages):
        text, vip = corpus[n % len(corpus)]
        timed(lambda: triage(text, vip_tier=vip), out["triage"])  # noqa: B023 - called now
        msg = inbound(text=text, subject=text[:60], sender_address=f"c{n}@bench.test")
        t0 = time.perf_counter()
        result = message_ingest(inbound=msg)
        ticket = result.ticket
        if vip:
            Customer.objects.filter(pk=ticket.customer_id).update(vip_tier=vip)
        ticket = Ticket.objects.select_related("customer", "channel_account").get(pk=ticket.pk)
        t1 = time.perf_counter()
        timed(lambda: ticket_route(ticket=ticket), out["route"])  # noqa: B023
        Ticket.objects.filter(pk=ticket.pk).update(team=ticket.team)
        t2 = time.perf_counter()
        timed(lambda: ticket_push_assign(ticket=ticket), out["assign"])  # noqa: B023
        # pipeline = ingestion (with its triage + routing) + assignment, without the set-up
        # between them (VIP tier, re-read, the extra route above).
        out["pipeline"].append((t1 - t0) + (time.perf_counter() - t2))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=600)
    args = parser.parse_args()
    database = configure("routing.sqlite3")
    if database == "postgres":
        pg_fresh()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed()
    run(50)  # warm up: caches, lingua, statement plans
    results = run(args.messages)
    print(f"[{database}] triage + routing + assignment, per message:")
    for name, samples in results.items():
        print("  " + stats(name, samples))
    rate = len(results["triage"]) / sum(results["triage"])
    print(f"  triage alone: {rate:,.0f} msg/s on one core (target >= 1,000; see bench.triage)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
