"""Messages per second from SMTP accept to a stored, threaded message.

    .venv/bin/python -m bench.email_smtp [--database sqlite|postgres|both] [--senders 1,50]
                                         [--messages 1000] [--runs 3]

Starts the real `vigil run` (uvicorn, the SMTP listener; `--no-worker` so acknowledgements stay
queued and only the inbound path is timed) on a fresh database, then senders, each with its own
SMTP connection, send conversations: one new mail, then four replies that thread through
In-Reply-To. A message counts once the listener answered 250, which it does only after the
commit. Prints the median rate of the runs for each database and sender count, the median CPU
the server process spent per message (user + system, from /proc; unlike the rate it hardly
depends on what else the machine is doing), the load average, and checks that every message
was stored once and every reply landed in its ticket.

PostgreSQL: the database vigil_bench_email on VIGIL_BENCH_PG (default
postgresql://postgres@127.0.0.1:5432), recreated per run.
"""

from __future__ import annotations

import argparse
import os
import re
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUPPORT = "support@vigil.test"
REPLIES_PER_CONVERSATION = 4
BODY = (
    "Hello,\n\nmy USDT withdrawal (TRC20) has been pending for two hours. The transaction hash "
    "is 0x5f2c9e0b7a11d3e4c6b8a9f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e.\n\nThanks\n"
)


def _mail(sender: str, n: int, conversation: str, parent: str | None) -> tuple[str, bytes]:
    message_id = f"{conversation}.{n}@bench.example"
    headers = [
        f"From: Trader <{sender}>",
        f"To: {SUPPORT}",
        f"Subject: {'Re: ' if parent else ''}Withdrawal pending {conversation[:8]}",
        f"Message-ID: <{message_id}>",
        "Date: Mon, 01 Jan 2024 10:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if parent:
        headers += [f"In-Reply-To: <{parent}>", f"References: <{parent}>"]
    quoted = f"\nOn Mon, Support wrote:\n> earlier text {n}\n" if parent else ""
    return message_id, ("\r\n".join(headers) + "\r\n\r\n" + BODY + quoted).replace(
        "\n", "\r\n"
    ).replace("\r\r\n", "\r\n").encode()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux); 0.0 where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _server(env: dict[str, str]) -> Iterator[tuple[int, int]]:
    python = sys.executable
    subprocess.run([python, "-m", "vigil", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "-m", "vigil", "channel", "add-email", SUPPORT],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = _free_port()
    process = subprocess.Popen(
        [
            python,
            "-m",
            "vigil",
            "run",
            "--port",
            "0",
            "--smtp-port",
            str(port),
            "--no-worker",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 90
        for line in process.stdout:
            if re.search(r"SMTP listener on", line):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("vigil run did not start")
        else:
            raise RuntimeError("vigil run exited")
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # type: ignore[union-attr]
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _sender(port: int, index: int, count: int, run: str, errors: list[str]) -> None:
    sender = f"trader{index}-{run}@bench.example"
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
        conversation, parent = "", None
        for n in range(count):
            if n % (REPLIES_PER_CONVERSATION + 1) == 0:
                conversation, parent = f"{run}-{index}-{n}-{uuid.uuid4().hex[:6]}", None
            message_id, raw = _mail(sender, n, conversation, parent)
            try:
                client.sendmail(sender, [SUPPORT], raw)
            except smtplib.SMTPException as exc:
                errors.append(f"{message_id}: {exc}")
            parent = message_id


def _one_run(port: int, pid: int, senders: int, messages: int) -> tuple[float, float]:
    """(messages per second, server CPU milliseconds per message)."""
    per_sender = max(1, messages // senders)
    run = uuid.uuid4().hex[:8]
    errors: list[str] = []
    threads = [
        threading.Thread(target=_sender, args=(port, i, per_sender, run, errors))
        for i in range(senders)
    ]
    started, cpu = time.perf_counter(), _cpu_seconds(pid)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds(pid) - cpu
    if errors:
        raise RuntimeError(f"{len(errors)} refused, e.g. {errors[:3]}")
    sent = per_sender * senders
    return sent / elapsed, cpu * 1000 / sent


def _verify(env: dict[str, str]) -> str:
    check = (
        "from vigil.tickets.models import Message, Ticket\n"
        "from vigil.tickets.choices import Direction\n"
        "inbound = Message.objects.filter(direction=Direction.INBOUND)\n"
        "n, t = inbound.count(), Ticket.objects.count()\n"
        f"assert n == t * {REPLIES_PER_CONVERSATION + 1}, (n, t)\n"
        "dup = inbound.values('external_id').distinct().count()\n"
        "assert dup == n, (dup, n)\n"
        "print(f'{n} messages in {t} tickets, each once, threaded')\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "vigil", "manage", "shell", "-v", "0", "-c", check],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stdout + done.stderr)
    return done.stdout.strip()


def _env(database: str, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    if database == "postgres":
        base = os.environ.get("VIGIL_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
        name = "vigil_bench_email"
        subprocess.run(
            ["psql", base + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
            check=True,
        )
        subprocess.run(["psql", base + "/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        env["VIGIL_DATABASE_URL"] = f"{base}/{name}"
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--senders", default="1,50")
    parser.add_argument("--messages", type=int, default=1000, help="per run (1000)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    print(
        f"{'database':<10} {'senders':>7} {'messages':>8} {'median msg/s':>13} "
        f"{'CPU ms/msg':>10}  {'load':>4}  runs"
    )
    for database in databases:
        for senders in [int(s) for s in args.senders.split(",")]:
            rates, cpus, loads = [], [], []
            for _ in range(args.runs):
                with tempfile.TemporaryDirectory(prefix="vigil-bench-smtp-") as tmp:
                    env = _env(database, Path(tmp))
                    with _server(env) as (port, pid):
                        loads.append(os.getloadavg()[0])
                        rate, cpu = _one_run(port, pid, senders, args.messages)
                    rates.append(rate)
                    cpus.append(cpu)
                    checked = _verify(env)
            runs = ", ".join(f"{r:.0f}" for r in rates)
            line = (
                f"{database:<10} {senders:>7} {args.messages:>8} {statistics.median(rates):>13.0f} "
                f"{statistics.median(cpus):>10.2f}  {statistics.median(loads):>4.1f}  [{runs}]"
            )
            print(f"{line}  {checked}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
