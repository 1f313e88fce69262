"""The benchmark's scenarios and its timer. See bench/README.md.

Each scenario is timed for two agents: a supervisor who sees the whole desk, and a tier-1 agent
who sees only two teams' tickets, team-less ones and their own (the visibility filter). An
inbox scenario is timed on its first page and on a deep page, reached by following the keyset
cursor; the two must make the same number of queries.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.seed import Desk
from vigil.accounts.models import Agent
from vigil.accounts.selectors import agent_for_user
from vigil.tickets.choices import UNSOLVED_STATUSES, Priority, TicketStatus
from vigil.tickets.models import TICKET_PREFIX, Message, Ticket
from vigil.tickets.selectors import (
    SORT_SLA,
    TicketFilters,
    inbox_page,
    ticket_activities,
    ticket_get_for_agent,
    ticket_thread,
)

DEEP_PAGES = 200
PAGE = 50
WARMUP = 5


@dataclass(frozen=True, slots=True)
class Case:
    """One inbox list to time: a name, the selector's filters and the same as query params."""

    name: str
    filters: TicketFilters
    params: dict[str, str]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], int]:
    """Milliseconds of `repeat` calls (after a warm-up) and the queries one call makes."""
    for _ in range(WARMUP):
        fn()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)  # now: the next request clears Django's query log
    samples = []
    gc.collect()
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, queries


def summary(scenario: str, path: str, samples: list[float], queries: int, **extra) -> dict:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "scenario": scenario,
        "path": path,
        "n": len(samples),
        "median": statistics.median(samples),
        "p95": cuts[94],
        "p99": cuts[98],
        "queries": queries,
        **extra,
    }


def deep_cursor(agent: Agent, filters: TicketFilters) -> tuple[str | None, int]:
    """The cursor of the deepest page within DEEP_PAGES pages, and that page's number."""
    cursor, depth = None, 1
    for _ in range(DEEP_PAGES - 1):
        page = inbox_page(agent=agent, filters=filters, cursor=cursor, limit=PAGE)
        if page.next_cursor is None:
            break
        cursor, depth = page.next_cursor, depth + 1
    return cursor, depth


def cases(desk: Desk, agent: Agent) -> list[Case]:
    tier1 = agent.pk == desk.tier1.pk
    team_id = desk.tier1_team_ids[0] if tier1 else desk.team_ids[0]
    assignee_id = agent.pk if tier1 else _busiest_agent()
    language = "ko" if tier1 else "ja"
    u = Priority.URGENT
    return [
        Case("unfiltered", TicketFilters(), {}),
        Case(
            "status=pending", TicketFilters(statuses=(TicketStatus.PENDING,)), {"status": "pending"}
        ),
        Case("team", TicketFilters(team_id=team_id), {"team": str(team_id)}),
        Case(f"language={language}", TicketFilters(language=language), {"language": language}),
        Case("assignee", TicketFilters(assignee_id=assignee_id), {"assignee": str(assignee_id)}),
        Case("priority=urgent", TicketFilters(priority=u), {"priority": "urgent"}),
        Case(
            "status=open+team+priority=high",
            TicketFilters(statuses=(TicketStatus.OPEN,), team_id=team_id, priority=Priority.HIGH),
            {"status": "open", "team": str(team_id), "priority": "high"},
        ),
        Case("all statuses", TicketFilters(all_statuses=True), {"status": "all"}),
        Case("sort=sla (SLA due first)", TicketFilters(sort=SORT_SLA), {"sort": "sla"}),
        Case(
            "sort=sla+team",
            TicketFilters(sort=SORT_SLA, team_id=team_id),
            {"sort": "sla", "team": str(team_id)},
        ),
    ]


def _busiest_agent() -> int:
    first = (
        Ticket.objects.filter(status=TicketStatus.OPEN, assignee__isnull=False)
        .order_by("-priority", "waiting_since", "id")
        .values_list("assignee_id", flat=True)
        .first()
    )
    assert first is not None
    return first


def view_ticket_ids(agent: Agent, count: int = 50) -> list[int]:
    """Tickets with threads that the agent may open, spread over the desk."""
    seen = inbox_page(agent=agent, filters=TicketFilters(all_statuses=True), limit=200).items
    ids = set(
        Message.objects.filter(ticket__in=[t.pk for t in seen]).values_list("ticket_id", flat=True)
    )
    ids |= set(
        Message.objects.filter(ticket__team__isnull=True)
        .values_list("ticket_id", flat=True)
        .order_by("-ticket_id")[:count]
    )
    return sorted(ids)[:count]


@dataclass
class Plan:
    """What one agent's runs share: the cases, their deep cursors, tickets to open, a search."""

    cases: list[Case]
    deep: dict[str, tuple[str | None, int]]
    view_ids: list[int]
    search: str


def selector_rows(desk: Desk, agent: Agent, who: str, repeat: int, log) -> tuple[list, Plan]:
    rows: list[dict] = []
    plan = Plan(cases(desk, agent), {}, view_ticket_ids(agent), "")
    for case in plan.cases:
        first, q_first = timed(lambda c=case: inbox_page(agent=agent, filters=c.filters), repeat)
        rows.append(summary(f"{who} inbox {case.name} first", "selector", first, q_first))
        cursor, depth = plan.deep[case.name] = deep_cursor(agent, case.filters)
        deep, q_deep = timed(
            lambda c=case, cur=cursor: inbox_page(agent=agent, filters=c.filters, cursor=cur),
            repeat,
        )
        problem = (
            f"{who} {case.name}: deep page makes {q_deep} queries, first {q_first}"
            if q_deep != q_first
            else ""
        )
        rows.append(
            summary(
                f"{who} inbox {case.name} page {depth}", "selector", deep, q_deep, problem=problem
            )
        )
        log(
            f"{rows[-2]['scenario']}: {rows[-2]['median']:.1f} ms; "
            f"page {depth}: {rows[-1]['median']:.1f} ms"
        )
    # An unsolved ticket the agent sees, quoted by reference (the default search scope).
    cursor, _ = plan.deep["unfiltered"]
    target = inbox_page(agent=agent, filters=TicketFilters(), cursor=cursor).items[-1]
    plan.search = f"{TICKET_PREFIX}{target.pk}"
    search = replace(TicketFilters(), q=plan.search)
    assert inbox_page(agent=agent, filters=search).items, f"{plan.search} finds nothing"
    samples, queries = timed(lambda: inbox_page(agent=agent, filters=search), repeat)
    rows.append(summary(f"{who} search by reference", "selector", samples, queries))
    turn = iter(range(10**9))

    def view() -> None:
        ticket = ticket_get_for_agent(agent, plan.view_ids[next(turn) % len(plan.view_ids)])
        ticket_thread(ticket=ticket)
        list(ticket_activities(ticket=ticket))

    samples, queries = timed(view, repeat)
    rows.append(summary(f"{who} ticket view", "selector", samples, queries))
    log(f"{who} search {rows[-2]['median']:.1f} ms, view {rows[-1]['median']:.1f} ms")
    return rows, plan


def check_order(desk: Desk, agent: Agent, who: str) -> list[str]:
    """Walk whole lists page by page and compare them with the same lists worked out in
    Python from plain rows: the index-shaped SQL must not gain, lose or reorder a ticket."""
    tier1 = agent.pk == desk.tier1.pk
    team = desk.tier1_team_ids[0]
    checks = [
        (
            "language=vi",
            TicketFilters(language="vi"),
            {"language": "vi"},
            lambda r: r[3] in UNSOLVED_STATUSES,
        ),
        (
            "priority=urgent",
            TicketFilters(priority=Priority.URGENT),
            {"priority": Priority.URGENT},
            lambda r: r[3] in UNSOLVED_STATUSES,
        ),
        (
            "closed+team+urgent",
            TicketFilters(statuses=(TicketStatus.CLOSED,), team_id=team, priority=Priority.URGENT),
            {"team_id": team, "priority": Priority.URGENT},
            lambda r: r[3] == TicketStatus.CLOSED,
        ),
        (
            "all statuses+assignee",
            TicketFilters(all_statuses=True, assignee_id=desk.tier1.pk),
            {"assignee_id": desk.tier1.pk},
            lambda r: True,
        ),
    ]
    problems = []
    for name, filters, narrow, keep in checks:
        rows = Ticket.objects.filter(**narrow).values_list(
            "pk", "priority", "waiting_since", "status", "team_id", "assignee_id"
        )
        expected = [
            r[0]
            for r in sorted(
                (
                    r
                    for r in rows
                    if keep(r)
                    and (
                        not tier1 or r[4] in desk.tier1_team_ids or r[4] is None or r[5] == agent.pk
                    )
                ),
                key=lambda r: (-r[1], r[2], r[0]),
            )
        ]
        got, cursor = [], None
        while True:
            page = inbox_page(agent=agent, filters=filters, cursor=cursor, limit=200)
            got += [t.pk for t in page.items]
            if not (cursor := page.next_cursor):
                break
        if got != expected:
            problems.append(
                f"{who} {name}: {len(got)} tickets listed, {len(expected)} expected"
                " (or another order)"
            )
    return problems


def run_all(desk: Desk, *, repeat: int, http_repeat: int, log) -> list[dict]:
    from bench.http import api_rows, console_rows

    rows: list[dict] = []
    for who, agent in (("all", desk.admin), ("tier1", desk.tier1)):
        agent = agent_for_user(agent.user)  # as a request sees it: teams prefetched
        assert agent is not None
        for problem in check_order(desk, agent, who):
            rows.append({"scenario": "order check", "path": "-", "problem": problem})
        log(f"{who} lists checked against Python")
        selector, plan = selector_rows(desk, agent, who, repeat, log)
        rows += selector
        if http_repeat:
            rows += api_rows(
                agent, who, plan.deep, plan.cases, plan.view_ids, plan.search, http_repeat
            )
            log(f"{who} api done")
            rows += console_rows(agent, who, plan.deep, plan.cases, plan.view_ids, http_repeat)
            log(f"{who} console done")
    return rows
