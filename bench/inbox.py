"""Times the inbox and the ticket view on a desk of a million tickets. See bench/README.md.

    .venv/bin/python -m bench.inbox [--tickets 1000000] [--database sqlite|postgres|both]

Seeds (once, then reused) a dedicated database: var/bench/inbox-N.sqlite3 or the PostgreSQL
database vigil_bench; then times each scenario many times through the selectors and through the
HTTP path (Django's test client on the REST API and the console), and prints median, p95 and p99
in milliseconds with the queries each call makes. Fails when a deep page makes more queries
than the first page, or when --strict is given and a p95 exceeds the target.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_NAME = "vigil_bench"
TARGET_P95_MS = 100.0


def _configure(database: str, tickets: int) -> None:
    """Point Vigil's settings at the benchmark database, before Django loads them."""
    (BENCH_DIR / "static").mkdir(parents=True, exist_ok=True)  # quiets WhiteNoise
    os.environ["VIGIL_DATA_DIR"] = str(BENCH_DIR)
    os.environ["VIGIL_EMBEDDED_WORKER"] = "0"
    os.environ.pop("VIGIL_REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
    if database == "sqlite":
        os.environ["VIGIL_DATABASE_URL"] = f"sqlite://{sqlite_path(tickets)}"
    else:
        os.environ["VIGIL_DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"


def sqlite_path(tickets: int) -> Path:
    return BENCH_DIR / f"inbox-{tickets}.sqlite3"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists() -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
    return row is not None


def _wipe(database: str, tickets: int) -> None:
    from django.db import connection

    connection.close()
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{sqlite_path(tickets)}{suffix}").unlink(missing_ok=True)
    else:
        _pg_admin(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        _pg_admin(f"CREATE DATABASE {PG_NAME}")


def prepare(database: str, tickets: int):
    """The seeded desk: reused when the database already holds `tickets` tickets."""
    from django.core.management import call_command

    from bench.seed import desk_load, desk_seed

    if database == "postgres" and not _pg_exists():
        _pg_admin(f"CREATE DATABASE {PG_NAME}")
    call_command("migrate", verbosity=0)
    desk = desk_load(tickets=tickets)
    if desk is not None:
        print(f"[{database}] reusing the seeded desk of {tickets:,} tickets")
        return desk
    _wipe(database, tickets)
    call_command("migrate", verbosity=0)
    print(f"[{database}] seeding {tickets:,} tickets ...")
    started = time.monotonic()
    desk = desk_seed(tickets=tickets, log=lambda line: print(f"[{database}] {line}"))
    print(f"[{database}] seeded in {time.monotonic() - started:.0f}s")
    return desk


def run_one(database: str, tickets: int, repeat: int, http_repeat: int, results: Path) -> int:
    _configure(database, tickets)
    import django

    django.setup()
    from bench.scenarios import run_all

    desk = prepare(database, tickets)
    rows = run_all(
        desk,
        repeat=repeat,
        http_repeat=http_repeat,
        log=lambda line: print(f"[{database}] {line}", flush=True),
    )
    results.write_text(json.dumps({"database": database, "tickets": tickets, "rows": rows}))
    return 0


def print_table(report: dict) -> list[str]:
    """Prints one database's table; returns the problems found."""
    problems: list[str] = []
    title = f"{report['database']} — {report['tickets']:,} tickets"
    print(f"\n{title}\n" + "-" * len(title))
    print(f"{'scenario':<50} {'path':<9} {'n':>4} {'median':>8} {'p95':>8} {'p99':>8} {'q':>3}")
    for row in report["rows"]:
        if "median" not in row:  # a correctness check that failed
            problems.append(f"{report['database']}: {row['problem']}")
            continue
        flag = " !" if row["p95"] > TARGET_P95_MS else ""
        print(
            f"{row['scenario']:<50} {row['path']:<9} {row['n']:>4} {row['median']:>8.2f} "
            f"{row['p95']:>8.2f} {row['p99']:>8.2f} {row['queries']:>3}{flag}"
        )
        if row["p95"] > TARGET_P95_MS:
            problems.append(
                f"{report['database']}: {row['scenario']} ({row['path']}) p95 "
                f"{row['p95']:.1f} ms > {TARGET_P95_MS:.0f} ms"
            )
        if row.get("problem"):
            problems.append(f"{report['database']}: {row['problem']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.inbox", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=100, help="timed calls per selector case")
    parser.add_argument("--http-repeat", type=int, default=50, help="timed calls per HTTP case")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a p95 misses 100 ms")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tickets < 1_000:
        parser.error("--tickets must be at least 1000")
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if args.child:
        (database,) = databases
        return run_one(
            database,
            args.tickets,
            args.repeat,
            args.http_repeat,
            BENCH_DIR / f"results-{database}.json",
        )
    problems: list[str] = []
    for database in databases:
        # One process per database: Vigil reads its database from the environment, once.
        results = BENCH_DIR / f"results-{database}.json"
        results.unlink(missing_ok=True)
        code = subprocess.call(
            [
                sys.executable,
                "-m",
                "bench.inbox",
                "--child",
                "--database",
                database,
                "--tickets",
                str(args.tickets),
                "--repeat",
                str(args.repeat),
                "--http-repeat",
                str(args.http_repeat),
            ],
            cwd=ROOT,
        )
        if code != 0 or not results.exists():
            problems.append(f"{database}: the benchmark failed (exit {code})")
            continue
    for database in databases:
        results = BENCH_DIR / f"results-{database}.json"
        if results.exists():
            problems += print_table(json.loads(results.read_text()))
    for problem in problems:
        print(f"PROBLEM: {problem}")
    hard = [p for p in problems if "p95" not in p or args.strict]
    return 1 if hard else 0


if __name__ == "__main__":
    sys.exit(main())
