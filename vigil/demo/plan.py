"""The demo desk, planned before anything is written: which customer writes what, on which
channel, when, and how far the desk has got with it. See docs/architecture.md#the-apps.

The plan is a pure function of (size, seed): the same arguments give the same desk, which
is what makes seeding idempotent and its tests exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from vigil.channels.choices import ChannelKind
from vigil.demo import fill
from vigil.demo.people import (
    AGENTS,
    CUSTOMERS,
    MAIL_DOMAINS,
    TEAM_FOR_LANGUAGE,
    TEAM_SECURITY,
    TEAM_VIP,
)
from vigil.demo.texts import stories
from vigil.demo.texts.story import Story
from vigil.tickets.choices import Category, Priority

LANGUAGE_WEIGHTS = {"en": 48, "zh-hans": 22, "zh-hant": 8, "ja": 22}
CHANNEL_WEIGHTS = {
    ChannelKind.EMAIL: 35,
    ChannelKind.CHAT: 25,
    ChannelKind.TELEGRAM: 15,
    ChannelKind.WEBFORM: 15,
    ChannelKind.API: 10,
}
# How far the desk has got with a ticket, and how long ago (hours) it arrived.
OUTCOMES = {
    "new": (24, (0.1, 60.0)),
    "open": (15, (1.0, 72.0)),
    "answered": (5, (2.0, 48.0)),  # replied, and the customer wrote back just now
    "pending": (16, (6.0, 120.0)),
    "on_hold": (6, (6.0, 120.0)),
    "solved": (18, (24.0, 144.0)),
    "closed": (13, (96.0, 336.0)),
    "reopened": (3, (24.0, 144.0)),
}
VIP_WEIGHTS = {0: 60, 1: 20, 2: 12, 3: 6, 4: 2}


@dataclass(frozen=True)
class CustomerPlan:
    name: str
    greeting: str
    language: str
    email: str
    uid: str | None
    vip_tier: int
    telegram_chat: str
    chat_visitor: str


@dataclass(frozen=True)
class TicketPlan:
    index: int
    customer: CustomerPlan
    language: str
    channel: str
    story: Story
    values: dict[str, str]
    outcome: str
    hours_ago: float
    follow_up_hours_ago: float | None  # the customer's second message, before any answer
    priority: int
    team: str
    assignee: str | None  # an agent's e-mail
    tags: tuple[str, ...]
    with_note: bool

    @property
    def external_id(self) -> str:
        return self.message_id(0)

    def message_id(self, k: int) -> str:
        if self.channel == ChannelKind.EMAIL:
            domain = self.customer.email.split("@")[1]
            return f"<demo-{self.index:04d}-{k}@mail.{domain}>"
        return f"demo-{self.index:04d}-{k}"


def _weighted[K](rng: random.Random, weights: dict[K, int]) -> K:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _customers(rng: random.Random) -> dict[str, list[CustomerPlan]]:
    out: dict[str, list[CustomerPlan]] = {}
    for language, people in CUSTOMERS.items():
        out[language] = [
            CustomerPlan(
                name=person.name,
                greeting=person.greeting,
                language=language,
                email=f"{person.handle}@{rng.choice(MAIL_DOMAINS[language])}",
                uid=fill.uid(rng) if rng.random() < 0.75 else None,
                vip_tier=_weighted(rng, VIP_WEIGHTS),
                telegram_chat=str(rng.randint(100_000_000, 7_999_999_999)),
                chat_visitor=f"visitor-{rng.getrandbits(48):012x}",
            )
            for person in people
        ]
    return out


def _team(story: Story, customer: CustomerPlan, language: str) -> str:
    if story.category == Category.SECURITY:
        return TEAM_SECURITY
    if customer.vip_tier >= 3:
        return TEAM_VIP
    return TEAM_FOR_LANGUAGE[language]


def _assignee(rng: random.Random, team: str, language: str) -> str:
    members = [a for a in AGENTS if team in a.teams]
    speakers = [a for a in members if language in a.languages]
    return rng.choice(speakers or members).email


def _ticket(rng: random.Random, index: int, customers: dict[str, list[CustomerPlan]]) -> TicketPlan:
    language = _weighted(rng, LANGUAGE_WEIGHTS)
    customer = rng.choice(customers[language])
    channel = _weighted(rng, CHANNEL_WEIGHTS)
    if channel == ChannelKind.API and customer.uid is None:
        channel = ChannelKind.WEBFORM  # the in-app help centre only knows signed-in users
    story = rng.choice(stories(language))
    outcome = _weighted(rng, {name: weight for name, (weight, _) in OUTCOMES.items()})
    low, high = OUTCOMES[outcome][1]
    hours_ago = round(low * (high / low) ** rng.random(), 3)  # log-uniform: more recent ones
    follow_up = None
    if story.follow_up and outcome != "answered" and rng.random() < 0.35:
        follow_up = round(hours_ago - rng.uniform(0.05, 0.6) * hours_ago, 3)
    priority: int = story.priority
    if customer.vip_tier >= 2:
        priority = min(priority + 1, Priority.URGENT)
    team = _team(story, customer, language)
    assigned = outcome != "new" or rng.random() < 0.25
    tags = story.tags + (("vip",) if customer.vip_tier >= 2 else ())
    return TicketPlan(
        index=index,
        customer=customer,
        language=language,
        channel=channel,
        story=story,
        values=fill.values(rng, language=language, coin=story.coin, customer_uid=customer.uid),
        outcome=outcome,
        hours_ago=hours_ago,
        follow_up_hours_ago=follow_up,
        priority=priority,
        team=team,
        assignee=_assignee(rng, team, language) if assigned else None,
        tags=tags,
        with_note=outcome in {"open", "on_hold"} or rng.random() < 0.3,
    )


def demo_plan(*, tickets: int = 300, seed: int = 20240601) -> list[TicketPlan]:
    """The desk's tickets, oldest first (so older tickets get the lower references)."""
    rng = random.Random(seed)
    customers = _customers(rng)
    plans = [_ticket(rng, index, customers) for index in range(tickets)]
    return sorted(plans, key=lambda p: (-p.hours_ago, p.index))
