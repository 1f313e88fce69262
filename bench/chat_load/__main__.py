"""Runs the live-chat load test: `python -m bench.chat_load`. See bench/chat_load/__init__.py."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.chat_load.agents import Agent
from bench.chat_load.customers import Customer, Plan
from bench.chat_load.record import Recorder, Summary, median, percentile
from bench.chat_load.servers import ROOT, Desk, Process, bench_env, seed, serving
from bench.email_smtp import _cpu_seconds as cpu_seconds

ORIGIN = "https://exchange.bench.example"
TARGET_P99_MS = 100.0


@dataclass
class Run:
    summary: Summary
    chats: int
    joined: int
    ramp_s: float
    server_cpu: list[float]  # per process, share of one core over the timed phases
    generator_cpu: float  # the same for this process
    cpu_ms_per_message: float  # all servers' CPU over the timed phases / messages sent in them
    load: tuple[float, float, float]


def _pair(value: str) -> tuple[float, float]:
    low, _, high = value.partition(",")
    return float(low), float(high or low)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.chat_load", description=__doc__)
    p.add_argument("--chats", type=int, default=1000, help="concurrent chats (1000)")
    p.add_argument("--agents", type=int, default=20, help="simulated agents (20)")
    p.add_argument("--capacity", type=int, default=0, help="chats per agent (enough + 10%%)")
    p.add_argument("--interval", type=_pair, default=(5.0, 15.0), help="customer pause, s (5,15)")
    p.add_argument("--steady", type=float, default=60.0, help="steady phase, s (60)")
    p.add_argument("--burst", type=float, default=10.0, help="burst phase, s (10)")
    p.add_argument("--burst-factor", type=float, default=4.0, help="pace in the burst (x4)")
    p.add_argument("--think", type=_pair, default=(0.5, 2.0), help="agent pause, s (0.5,2)")
    p.add_argument("--reply-ratio", type=float, default=0.5, help="replies per message (0.5)")
    p.add_argument("--open-rate", type=float, default=10.0, help="chats opened per s (10)")
    p.add_argument(
        "--ramp-timeout", type=float, default=600.0, help="most s to wait for every chat (600)"
    )
    p.add_argument("--repeat", type=int, default=3, help="runs; medians are printed (3)")
    p.add_argument("--processes", type=int, default=1, help="vigil run processes (1)")
    p.add_argument("--redis", default=None, help="Redis URL (required with --processes > 1)")
    p.add_argument("--database-url", default=None, help="default: SQLite in a fresh data dir")
    p.add_argument("--keep", action="store_true", help="keep the server logs in var/")
    p.add_argument(
        "--server-env",
        metavar="VIGIL_NAME=VALUE",
        action="append",
        default=[],
        help="a setting for the servers (repeatable); the caller's VIGIL_* are not passed on",
    )
    p.add_argument(
        "--profile",
        metavar="DIR",
        help="record the servers with py-spy over the timed phases (collapsed stacks in DIR)",
    )
    args = p.parse_args(argv)
    if args.processes > 1 and not args.redis:
        p.error("--processes > 1 needs --redis URL (the processes share events through it)")
    if not args.capacity:
        args.capacity = math.ceil(args.chats * 1.1 / args.agents)
    return args


async def _load(args: argparse.Namespace, desk: Desk, procs: list[Process], run: int) -> Run:
    rec, plan = Recorder(), Plan(interval=args.interval, burst_factor=args.burst_factor)
    customer_side, agent_side = procs[0], procs[-1]
    stop = asyncio.Event()
    agents = []
    for index, credentials in enumerate(desk.agents):
        agent = Agent(
            index,
            ws_url=agent_side.ws,
            http_url=agent_side.url,
            credentials=credentials,
            cookie_name=desk.cookie_name,
            plan=plan,
            rec=rec,
            think=args.think,
            reply_ratio=args.reply_ratio,
            seed=run,
        )
        agent.agent_id = int(str(credentials["id"]))
        agents.append(agent)
    agent_tasks = [asyncio.create_task(a.run(stop)) for a in agents]
    await asyncio.wait_for(asyncio.gather(*(a.ready.wait() for a in agents)), 60)

    url = f"{customer_side.ws}/ws/chat/{desk.widget}/"
    customers = [
        Customer(i, url=url, origin=ORIGIN, plan=plan, rec=rec, seed=run) for i in range(args.chats)
    ]
    started = time.perf_counter()
    customer_tasks = []
    for customer in customers:
        customer_tasks.append(asyncio.create_task(customer.run()))
        await asyncio.sleep(1 / args.open_rate)
    shown = time.perf_counter()
    while plan.joined < args.chats and time.perf_counter() - started < args.ramp_timeout:
        await asyncio.sleep(0.2)
        if time.perf_counter() - shown > 15:
            shown = time.perf_counter()
            print(
                f"  ... {shown - started:.0f} s: {plan.opened} chats open, {plan.joined} with "
                f"an agent",
                file=sys.stderr,
                flush=True,
            )
    ramp_s = time.perf_counter() - started

    profilers = _profile(args, procs, run, args.steady + args.burst)
    cpu0 = [cpu_seconds(p.pid) for p in procs]
    own0 = _own_cpu()
    timed0 = time.perf_counter()
    for phase, seconds in (("steady", args.steady), ("burst", args.burst)):
        begin = time.perf_counter()
        plan.enter(phase)
        await asyncio.sleep(seconds)
        rec.phases.append((phase, begin, time.perf_counter()))
    plan.enter("drain")
    timed = time.perf_counter() - timed0
    server_cpu = [(cpu_seconds(p.pid) - c) / timed for p, c in zip(procs, cpu0, strict=True)]
    generator_cpu = (_own_cpu() - own0) / timed
    for profiler in profilers:
        await asyncio.to_thread(profiler.wait, 60)
    await _settle(rec, agents)
    plan.closing.set()
    stop.set()
    for task in customer_tasks + agent_tasks:
        task.cancel()
    outcomes = await asyncio.gather(*customer_tasks, *agent_tasks, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            rec.error(f"client failed: {type(outcome).__name__}: {outcome}"[:160])
    timed_messages = sum(1 for m in rec.sent.values() if m.phase != "ramp") + len(rec.replies)
    cpu_ms = sum(server_cpu) * timed * 1000 / max(1, timed_messages)
    for what, count in rec.notes.items():
        print(f"  note: {what} x{count}", flush=True)
    return Run(
        summary=rec.summary(),
        chats=args.chats,
        joined=plan.joined,
        ramp_s=ramp_s,
        server_cpu=server_cpu,
        generator_cpu=generator_cpu,
        cpu_ms_per_message=cpu_ms,
        load=os.getloadavg(),
    )


async def _settle(rec: Recorder, agents: list[Agent], patience: float = 30.0) -> None:
    """Wait while the server is still working off what was sent (acks, replies, deliveries
    keep arriving), until nothing is pending or nothing moved for `patience` seconds."""
    moved, last = time.monotonic(), -1
    while time.monotonic() - moved < patience:
        pending = sum(len(a.tasks) for a in agents)
        unacked = sum(1 for s in rec.sent.values() if s.acked_at is None)
        answered = [r.message_id for r in rec.replies if r.message_id is not None]
        undelivered = sum(1 for m in answered if m not in rec.at_customer)
        if not pending and not unacked and not undelivered:
            break
        progress = len(rec.at_agent) + len(rec.at_customer) + sum(rec.acks.values())
        if progress != last:
            moved, last = time.monotonic(), progress
        await asyncio.sleep(0.25)
    await asyncio.sleep(1.0)  # a late duplicate would show up now


def _profile(
    args: argparse.Namespace, procs: list[Process], run: int, seconds: float
) -> list[subprocess.Popen[bytes]]:
    """py-spy (https://github.com/benfred/py-spy) sampling each server, every thread, idle
    time included (a thread waiting on a lock shows where it waits). --nonblocking: py-spy
    otherwise pauses the server for every sample, which alone made latencies seconds long."""
    if not args.profile:
        return []
    out = Path(args.profile)
    out.mkdir(parents=True, exist_ok=True)
    spy = shutil.which("py-spy") or str(Path.home() / ".local/bin/py-spy")
    profilers = []
    for i, p in enumerate(procs):
        command = [spy, "record", "--pid", str(p.pid), "--duration", str(int(seconds)),
                   "--rate", "200", "--idle", "--threads", "--nonblocking", "--format", "raw",
                   "--output", str(out / f"run{run}-process{i}.txt")]  # fmt: skip
        profilers.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    return profilers


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_run(args: argparse.Namespace, run: int) -> Run:
    with tempfile.TemporaryDirectory(prefix="vigil-bench-chat-", dir=ROOT / "var") as tmp:
        data_dir = Path(tmp)
        env = bench_env(data_dir, redis_url=args.redis, database_url=args.database_url)
        env.update(server_settings(args.server_env))
        desk = seed(env, agents=args.agents, capacity=args.capacity, origin=ORIGIN)
        log = (
            (ROOT / "var" / f"bench-chat-load-{run}.log") if args.keep else data_dir / "server.log"
        )
        with serving(env, processes=args.processes, log=log) as procs:
            return asyncio.run(_load(args, desk, procs, run))


def _ms(values: list[float]) -> str:
    return f"{percentile(values, 0.5):7.1f} {percentile(values, 0.99):7.1f}"


def print_run(index: int, run: Run) -> None:
    s = run.summary
    cpu = " + ".join(f"{c * 100:.0f}%" for c in run.server_cpu)
    print(
        f"run {index}: {run.joined}/{run.chats} chats joined in {run.ramp_s:.0f} s; "
        f"{s.customer_messages} customer msgs, {s.agent_replies} replies; "
        f"steady {s.steady_rate:.0f} msg/s, burst {s.burst_rate:.0f} msg/s; "
        f"p50/p99 ms ack {_ms(s.ack_ms)} | c->a {_ms(s.to_agent_ms)} | a->c "
        f"{_ms(s.to_customer_ms)}; problems {len(s.problems)}; server CPU {cpu} of a core, "
        f"load generator {run.generator_cpu * 100:.0f}%; server CPU per message "
        f"{run.cpu_ms_per_message:.1f} ms; load {run.load[0]:.1f}",
        flush=True,
    )
    shown = [p for p in s.problems if not p.startswith("lost")][:8] + s.problems[:4]
    for problem in shown:
        print(f"  PROBLEM: {problem}")


def print_medians(args: argparse.Namespace, runs: list[Run]) -> None:
    mode = (
        "embedded: 1 process, in-memory layer"
        if args.processes == 1
        else f"{args.processes} processes, Redis pub/sub layer"
    )
    database = "SQLite WAL" if not args.database_url else args.database_url.split(":")[0]
    print(
        f"\nmedians of {len(runs)} runs ({mode}, {database}),",
        f"{args.chats} chats, {args.agents} agents",
    )
    rows = [
        ("chat start (start -> ack, not timed)", "start_ms"),
        ("ack (send -> ack)", "ack_ms"),
        ("customer -> agent desk socket", "to_agent_ms"),
        ("agent reply POST -> customer socket", "to_customer_ms"),
        ("burst: ack", "burst_ack_ms"),
        ("burst: customer -> agent", "burst_to_agent_ms"),
        ("burst: agent -> customer", "burst_to_customer_ms"),
    ]
    print(f"{'latency':<38} {'p50 ms':>8} {'p99 ms':>8}")
    over: list[str] = []
    for label, attr in rows:
        p50 = median([percentile(getattr(r.summary, attr), 0.5) for r in runs])
        p99 = median([percentile(getattr(r.summary, attr), 0.99) for r in runs])
        if attr != "start_ms" and not math.isnan(p99) and p99 >= TARGET_P99_MS:
            over.append(f"{label} {p99:.0f} ms")
        print(f"{label:<38} {p50:8.1f} {p99:8.1f}")
    steady = median([r.summary.steady_rate for r in runs])
    burst = median([r.summary.burst_rate for r in runs])
    problems = sum(len(r.summary.problems) for r in runs)
    lost = sum(sum(p.startswith("lost") for p in r.summary.problems) for r in runs)
    dup = sum(sum(p.startswith("duplicated") for p in r.summary.problems) for r in runs)
    print(f"messages per second: steady {steady:.0f}, burst {burst:.0f} (both directions)")
    print(f"lost {lost}, duplicated {dup}, other problems {problems - lost - dup} (all runs)")
    cpu = [statistics.median(r.server_cpu[i] for r in runs) for i in range(args.processes)]
    print(
        "CPU (share of one core, timed phases): server "
        + " + ".join(f"{c * 100:.0f}%" for c in cpu)
        + f", load generator {median([r.generator_cpu for r in runs]) * 100:.0f}%; server "
        f"CPU per message {median([r.cpu_ms_per_message for r in runs]):.1f} ms; "
        f"load average {median([r.load[0] for r in runs]):.1f} on {os.cpu_count()} cores"
    )
    if over:
        print(f"PROBLEM: p99 over the {TARGET_P99_MS:.0f} ms target: {'; '.join(over)}")


def server_settings(pairs: list[str]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.startswith("VIGIL_"):
            raise SystemExit(f"--server-env {pair!r}: write VIGIL_NAME=VALUE")
        settings[name] = value
    return settings


def _stop_on_term(signum: int, frame: object) -> None:
    raise SystemExit(143)  # unwinds, so the servers are stopped too


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop_on_term)
    args = parse(argv)
    (ROOT / "var").mkdir(exist_ok=True)
    runs = []
    for index in range(1, args.repeat + 1):
        run = one_run(args, index)
        print_run(index, run)
        runs.append(run)
    print_medians(args, runs)
    return 1 if any(r.summary.problems for r in runs) else 0


if __name__ == "__main__":
    raise SystemExit(main())
