"""Seeds the benchmark database with a realistic desk of N tickets, fast.

See bench/README.md and docs/architecture.md#tickets. Rows are written with batched
bulk_create (no services, no events): the benchmark needs the shape of a year of traffic, not its
history. The data is deterministic for a given N, so runs on SQLite and PostgreSQL compare.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from vigil.accounts.choices import Role
from vigil.accounts.models import Agent, Team
from vigil.accounts.services import agent_create
from vigil.channels.choices import ChannelKind
from vigil.channels.models import ChannelAccount
from vigil.customers.choices import VipTier
from vigil.customers.models import Customer
from vigil.tickets.choices import ActivityKind, Category, Direction, Priority, TicketStatus
from vigil.tickets.models import Message, Tag, Ticket, TicketActivity

ADMIN_EMAIL = "bench-supervisor@vigil.bench"
TIER1_EMAIL = "bench-tier1@vigil.bench"
PASSWORD = "bench-password-not-secret-42"
BATCH = 5_000
MESSAGE_SAMPLE_EVERY = 10  # every 10th ticket gets a 1-4 message thread and activities
END = datetime(2026, 6, 1, tzinfo=UTC)
SPAN = timedelta(days=730)

# (name, language): about ten teams, the first per language takes most of its tickets.
TEAMS = [
    ("Bench English L1", "en"),
    ("Bench English L2", "en"),
    ("Bench Chinese", "zh-hans"),
    ("Bench Japanese", "ja"),
    ("Bench Korean", "ko"),
    ("Bench Russian", "ru"),
    ("Bench Spanish", "es"),
    ("Bench Turkish", "tr"),
    ("Bench Vietnamese", "vi"),
    ("Bench Security", "en"),
]
TIER1_TEAMS = ("Bench Japanese", "Bench Korean")
LANGUAGES = {"en": 45, "zh-hans": 20, "ja": 10, "ko": 8, "ru": 7, "es": 5, "tr": 3, "vi": 2}
CHANNELS = {
    ChannelKind.EMAIL: 40,
    ChannelKind.CHAT: 30,
    ChannelKind.TELEGRAM: 15,
    ChannelKind.WEBFORM: 10,
    ChannelKind.API: 5,
}
STATUSES = {
    TicketStatus.CLOSED: 50,
    TicketStatus.SOLVED: 35,
    TicketStatus.OPEN: 6,
    TicketStatus.PENDING: 4,
    TicketStatus.NEW: 3,
    TicketStatus.ON_HOLD: 2,
}
PRIORITIES = {Priority.NORMAL: 65, Priority.LOW: 15, Priority.HIGH: 15, Priority.URGENT: 5}
CATEGORIES = {
    Category.WITHDRAWAL: 25,
    Category.DEPOSIT: 20,
    Category.ACCOUNT_ACCESS: 15,
    Category.TRADING: 12,
    Category.KYC: 10,
    Category.API: 5,
    Category.SECURITY: 5,
    Category.FEES: 4,
    Category.OTHER: 4,
}
SUBJECTS = {
    Category.WITHDRAWAL: "Withdrawal of {n} {coin} pending for {h} hours",
    Category.DEPOSIT: "Deposit of {n} {coin} not credited",
    Category.ACCOUNT_ACCESS: "Cannot log in, 2FA code rejected ({h} attempts)",
    Category.TRADING: "Position liquidated at {n} {coin}, please review",
    Category.KYC: "KYC verification stuck for {h} days",
    Category.API: "API key returns 401 after {h} requests",
    Category.SECURITY: "Suspicious login from new device, {h} alerts",
    Category.FEES: "Fee charged twice on {n} {coin} trade",
    Category.OTHER: "Question about my account ({h})",
}
COINS = ("BTC", "ETH", "USDT", "SOL", "XRP", "TRX")
UNSOLVED = {TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD}


@dataclass(frozen=True, slots=True)
class Desk:
    """What the benchmark needs to know about the seeded desk."""

    tickets: int
    admin: Agent
    tier1: Agent
    tier1_team_ids: tuple[int, ...]
    team_ids: tuple[int, ...]


def _picker(rng: random.Random, weights: dict) -> Iterator:
    keys, cum = list(weights), []
    total = 0
    for value in weights.values():
        total += value
        cum.append(total)
    while True:
        yield rng.choices(keys, cum_weights=cum)[0]


def desk_load(*, tickets: int) -> Desk | None:
    """The already seeded desk if it holds exactly `tickets` tickets, else None."""
    admin = Agent.objects.filter(user__username=ADMIN_EMAIL).prefetch_related("teams").first()
    tier1 = Agent.objects.filter(user__username=TIER1_EMAIL).prefetch_related("teams").first()
    if admin is None or tier1 is None or Ticket.objects.count() != tickets:
        return None
    team_ids = tuple(Team.objects.filter(name__startswith="Bench ").values_list("pk", flat=True))
    tier1_team_ids = tuple(sorted(t.pk for t in tier1.teams.all()))
    return Desk(tickets, admin, tier1, tier1_team_ids, team_ids)


def desk_seed(*, tickets: int, log=print) -> Desk:
    """Fill an empty, migrated database with a desk of `tickets` tickets."""
    rng = random.Random(20260601)
    started = time.monotonic()
    teams = {name: Team.objects.create(name=name, languages=[lang]) for name, lang in TEAMS}
    accounts = {
        kind: ChannelAccount.objects.create(kind=kind, name=f"Bench {kind}", address=f"{kind}@b")
        for kind in CHANNELS
    }
    agent_create(
        email=ADMIN_EMAIL,
        password=PASSWORD,
        role=Role.SUPERVISOR,
        display_name="Bench supervisor",
        languages=["en"],
    )
    tier1 = agent_create(
        email=TIER1_EMAIL,
        password=PASSWORD,
        role=Role.TIER1,
        display_name="Bench tier 1",
        languages=["ja", "ko"],
        teams=[teams[name] for name in TIER1_TEAMS],
    )
    agents_by_team = _agents_seed(rng, teams)
    agents_by_team[teams[TIER1_TEAMS[0]].pk].append(tier1.pk)
    customers = _customers_seed(rng, max(1_000, tickets * 3 // 10))
    log(f"  teams, 200 agents, {customers:,} customers: {time.monotonic() - started:.1f}s")
    sampled = _tickets_seed(rng, tickets, teams, accounts, agents_by_team, customers, log)
    log(f"  {tickets:,} tickets: {time.monotonic() - started:.1f}s")
    _threads_seed(rng, sampled, log)
    log(f"  threads for {len(sampled):,} tickets: {time.monotonic() - started:.1f}s")
    _analyze()
    desk = desk_load(tickets=tickets)
    assert desk is not None
    return desk


def _agents_seed(rng: random.Random, teams: dict[str, Team]) -> dict[int, list[int]]:
    user_model = get_user_model()
    password = make_password(PASSWORD)
    team_list = list(teams.values())
    with transaction.atomic():
        users = user_model.objects.bulk_create(
            user_model(
                username=f"agent{n}@vigil.bench", email=f"agent{n}@vigil.bench", password=password
            )
            for n in range(200)
        )
        roles = [Role.TIER1] * 6 + [Role.TIER2] * 3 + [Role.TIER3]
        agents = Agent.objects.bulk_create(
            Agent(
                user=user,
                display_name=f"Agent {n:03d}",
                role=roles[n % len(roles)],
                languages=[team_list[n % len(team_list)].languages[0]],
            )
            for n, user in enumerate(users)
        )
        through = Agent.teams.through
        links, by_team = [], {team.pk: [] for team in team_list}
        for n, agent in enumerate(agents):
            team = team_list[n % len(team_list)]
            links.append(through(agent_id=agent.pk, team_id=team.pk))
            by_team[team.pk].append(agent.pk)
            if rng.random() < 0.2:  # some agents help out a second team
                other = rng.choice(team_list)
                if other != team:
                    links.append(through(agent_id=agent.pk, team_id=other.pk))
        through.objects.bulk_create(links)
    return by_team


def _customers_seed(rng: random.Random, count: int) -> int:
    for start in range(0, count, BATCH):
        with transaction.atomic():
            Customer.objects.bulk_create(
                Customer(
                    uid=f"UID{100_000_000 + n}" if n % 3 else None,
                    name=f"Trader {n}",
                    email=f"trader{n}@example.com",
                    preferred_language=rng.choice(list(LANGUAGES)),
                    vip_tier=VipTier.GOLD if n % 97 == 0 else VipTier.NONE,
                )
                for n in range(start, min(count, start + BATCH))
            )
    return count


def _tickets_seed(rng, count, teams, accounts, agents_by_team, customers, log) -> list[int]:
    """Insert `count` tickets in arrival order; return the ids that get a thread."""
    first_customer = Customer.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    team_for_language: dict[str, list[int]] = {}
    for name, lang in TEAMS:
        team_for_language.setdefault(lang, []).append(teams[name].pk)
    picks = {
        "language": _picker(rng, LANGUAGES),
        "channel": _picker(rng, CHANNELS),
        "status": _picker(rng, STATUSES),
        "priority": _picker(rng, PRIORITIES),
        "category": _picker(rng, CATEGORIES),
    }
    step = SPAN / count
    sampled: list[int] = []
    for start in range(0, count, BATCH):
        rows = [
            _ticket(
                rng,
                n,
                step,
                picks,
                team_for_language,
                agents_by_team,
                accounts,
                first_customer + int(customers * rng.random() ** 2),
            )
            for n in range(start, min(count, start + BATCH))
        ]
        with transaction.atomic():
            Ticket.objects.bulk_create(rows)
        sampled.extend(t.pk for t in rows[::MESSAGE_SAMPLE_EVERY])
        if (start // BATCH) % 40 == 39:
            log(f"    {start + BATCH:,} tickets")
    return sampled


def _ticket(rng, n, step, picks, team_for_language, agents_by_team, accounts, customer_id):
    created = END - SPAN + step * n + timedelta(seconds=rng.random() * 60)
    status, language = next(picks["status"]), next(picks["language"])
    category, channel = next(picks["category"]), next(picks["channel"])
    team_id = None if rng.random() < 0.05 else rng.choice(team_for_language[language])
    assignee_id = None
    if team_id is not None and (status not in {TicketStatus.NEW} or rng.random() < 0.2):
        assignee_id = rng.choice(agents_by_team[team_id])
    waiting = created
    if status in UNSOLVED:  # an unsolved ticket is recent, or a customer wrote again lately
        waiting = END - timedelta(seconds=rng.random() * 14 * 86_400)
        created = min(created, waiting)
    subject = SUBJECTS[category].format(
        n=round(rng.random() * 10, 3), coin=rng.choice(COINS), h=rng.randint(1, 48)
    )
    return Ticket(
        subject=subject,
        status=status,
        priority=next(picks["priority"]),
        category=category,
        language=language,
        channel=channel,
        channel_account=accounts[channel],
        customer_id=customer_id,
        team_id=team_id,
        assignee_id=assignee_id,
        waiting_since=waiting,
        awaiting_agent=status in {TicketStatus.NEW, TicketStatus.OPEN},
        last_message_at=waiting,
        first_response_at=None
        if status == TicketStatus.NEW
        else created + timedelta(minutes=rng.randint(1, 240)),
        solved_at=None if status in UNSOLVED else created + timedelta(hours=rng.randint(1, 72)),
        **_sla(rng, status, waiting),
    )


def _sla(rng: random.Random, status: str, waiting: datetime) -> dict:
    """A running SLA clock on new and open tickets (due 1-48 h after they started waiting,
    so some are overdue), paused on pending and on-hold ones, none on the rest."""
    if status in {TicketStatus.NEW, TicketStatus.OPEN}:
        due = waiting + timedelta(minutes=rng.randint(60, 48 * 60))
        return {"sla_due_at": due, "sla_state": "breached" if due < END else "ok"}
    if status in UNSOLVED:
        return {"sla_due_at": None, "sla_state": "paused"}
    return {"sla_due_at": None, "sla_state": ""}


def _threads_seed(rng: random.Random, ticket_ids: list[int], log) -> None:
    tag_ids = [
        Tag.objects.create(name=name).pk
        for name in ("vip", "chargeback", "phishing", "duplicate", "bug")
    ]
    tags_through = Ticket.tags.through
    for start in range(0, len(ticket_ids), BATCH // 2):
        chunk = Ticket.objects.filter(pk__in=ticket_ids[start : start + BATCH // 2]).values_list(
            "pk",
            "customer_id",
            "assignee_id",
            "channel",
            "channel_account_id",
            "created_at",
            "waiting_since",
            "subject",
        )
        messages, activities, tags = [], [], []
        for pk, customer_id, assignee_id, channel, account_id, _, waiting, subject in chunk:
            when = waiting - timedelta(hours=rng.randint(1, 48))
            for i in range(rng.randint(1, 4)):
                inbound = i % 2 == 0 or assignee_id is None
                messages.append(
                    Message(
                        ticket_id=pk,
                        channel=channel,
                        channel_account_id=account_id,
                        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
                        author_customer_id=customer_id if inbound else None,
                        author_agent_id=None if inbound else assignee_id,
                        subject=subject if i == 0 else "",
                        text=f"Message {i} about {subject}. " * rng.randint(1, 6),
                        external_id=f"bench-{pk}-{i}",
                        created_at=when,
                    )
                )
                when += timedelta(minutes=rng.randint(1, 600))
            activities.append(TicketActivity(ticket_id=pk, kind=ActivityKind.CREATED))
            if assignee_id is not None:
                activities.append(
                    TicketActivity(
                        ticket_id=pk,
                        actor_id=assignee_id,
                        kind=ActivityKind.ASSIGNEE,
                        data={"to": assignee_id},
                    )
                )
            if rng.random() < 0.2:
                tags.append(tags_through(ticket_id=pk, tag_id=rng.choice(tag_ids)))
        with transaction.atomic():
            Message.objects.bulk_create(messages)
            TicketActivity.objects.bulk_create(activities)
            tags_through.objects.bulk_create(tags)
        if (start // (BATCH // 2)) % 20 == 19:
            log(f"    threads for {start + BATCH // 2:,} tickets")


def _analyze() -> None:
    """PostgreSQL's autovacuum would analyze the fresh tables soon; do it now. SQLite is left
    without statistics, as the embedded desk runs: its plans must not depend on them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
