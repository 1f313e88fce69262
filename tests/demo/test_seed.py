"""The demo desk: its shape follows the plan, it is written through the services (activities,
events, threading), and seeding again writes nothing."""

from __future__ import annotations

import re
import string
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from vigil.accounts.choices import Role
from vigil.accounts.models import Agent, Team
from vigil.channels.base import Capability
from vigil.channels.models import ChannelAccount
from vigil.channels.registry import adapter_for
from vigil.core.models import Event
from vigil.customers.models import Customer
from vigil.demo import fill
from vigil.demo.people import ADMIN_EMAIL, AGENTS, DEMO_PASSWORD, TEAMS
from vigil.demo.plan import demo_plan
from vigil.demo.services import demo_seed
from vigil.demo.texts import BY_LANGUAGE
from vigil.tickets.choices import Category, Direction, TicketStatus
from vigil.tickets.models import Message, Ticket, TicketActivity

SIZE = 60
EXPECTED_STATUS = {
    "new": TicketStatus.NEW,
    "open": TicketStatus.OPEN,
    "answered": TicketStatus.OPEN,
    "pending": TicketStatus.PENDING,
    "on_hold": TicketStatus.ON_HOLD,
    "solved": TicketStatus.SOLVED,
    "closed": TicketStatus.CLOSED,
    "reopened": TicketStatus.OPEN,
}
CJK = re.compile(r"[\u4e00-\u9fff]")
KANA = re.compile(r"[\u3040-\u30ff]")


@pytest.fixture
def fast_passwords(settings: object) -> None:
    # 16 agents with Django's default PBKDF2 cost take seconds; the hasher is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


def _can_reply(kind: str) -> bool:
    try:
        return adapter_for(kind).can(Capability.OUTBOUND)
    except LookupError:
        return False


def test_every_story_formats_in_its_language() -> None:
    import random

    rng = random.Random(1)
    for language, stories in BY_LANGUAGE.items():
        assert len(stories) >= 7
        assert {s.category for s in stories} >= {
            Category.DEPOSIT, Category.WITHDRAWAL, Category.ACCOUNT_ACCESS, Category.TRADING,
            Category.API, Category.KYC, Category.SECURITY,
        }  # fmt: skip
        for story in stories:
            values = {**fill.values(rng, language=language, coin=story.coin), "name": "N"}
            values["agent"] = "A"
            texts = [story.subject, story.opening, story.follow_up, story.reply,
                     story.resolution, story.note]  # fmt: skip
            for text in texts:
                rendered = text.format(**values)
                assert not set(rendered) & set("{}"), rendered
            body = story.opening.format(**values)
            if language.startswith("zh"):
                assert CJK.search(body) and not KANA.search(body), body
            elif language == "ja":
                assert KANA.search(body), body
            else:
                assert not CJK.search(body), body


def test_plan_is_deterministic_and_a_prefix_of_a_bigger_desk() -> None:
    assert demo_plan(tickets=40) == demo_plan(tickets=40)
    small = {p.index: p for p in demo_plan(tickets=20)}
    big = {p.index: p for p in demo_plan(tickets=40)}
    assert all(big[i] == plan for i, plan in small.items())
    assert demo_plan(tickets=20, seed=1) != demo_plan(tickets=20, seed=2)
    default = demo_plan()
    assert len(default) == 300
    assert {p.language for p in default} == {"en", "zh-hans", "zh-hant", "ja"}
    assert {p.channel for p in default} == {"email", "chat", "telegram", "webform", "api"}
    assert set(EXPECTED_STATUS) == {p.outcome for p in default}
    assert len({p.story.category for p in default}) >= 8


@pytest.mark.django_db(transaction=True)
def test_seed_builds_the_planned_desk_through_the_services(fast_passwords: None) -> None:
    summary = demo_seed(tickets=SIZE)
    assert (summary.tickets_created, summary.tickets_present) == (SIZE, 0)
    assert summary.agents_created == len(AGENTS)
    assert summary.login == (ADMIN_EMAIL, DEMO_PASSWORD)

    admin = authenticate(username=ADMIN_EMAIL, password=DEMO_PASSWORD)
    assert admin is not None and admin.is_superuser
    assert {t.name for t in Team.objects.all()} == {spec.name for spec in TEAMS}
    roles = Counter(Agent.objects.values_list("role", flat=True))
    assert set(roles) == set(Role.values)
    assert all(agent.languages for agent in Agent.objects.all())

    plans = demo_plan(tickets=SIZE)
    tickets = {
        m.external_id: m.ticket
        for m in Message.objects.select_related("ticket__team", "ticket__assignee__user").filter(
            external_id__in=[p.external_id for p in plans]
        )
    }
    assert len(tickets) == Ticket.objects.count() == SIZE
    replies_checked = 0
    for plan in plans:
        ticket = tickets[plan.external_id]
        assert ticket.language == plan.language
        assert ticket.channel == plan.channel
        assert ticket.category == plan.story.category
        assert ticket.team.name == plan.team
        assert ticket.status == EXPECTED_STATUS[plan.outcome], plan
        if plan.assignee:
            assert ticket.assignee.user.username == plan.assignee
        else:
            assert ticket.assignee is None
        outbound = ticket.messages.filter(direction=Direction.OUTBOUND).count()
        if plan.outcome in {"pending", "on_hold", "solved", "closed", "answered", "reopened"}:
            assert (outbound > 0) == _can_reply(plan.channel), plan
            replies_checked += _can_reply(plan.channel)
        if plan.with_note and plan.assignee and plan.outcome != "new":
            assert ticket.messages.filter(direction=Direction.NOTE).exists()
    assert replies_checked > 0

    # Written the real way: an activity trail and the events the console listens to.
    assert TicketActivity.objects.filter(kind="created").count() == SIZE
    types = Counter(Event.objects.values_list("type", flat=True))
    assert types["ticket.created"] == SIZE
    assert types["message.added"] >= Message.objects.count()
    assert types["ticket.updated"] > 0
    assert Customer.objects.exclude(uid=None).exists()
    assert Customer.objects.filter(vip_tier__gt=0).exists()

    # Waiting times are spread over the past days, not all "just now".
    waiting = sorted(
        Ticket.objects.filter(status=TicketStatus.NEW).values_list("waiting_since", flat=True)
    )
    assert waiting[-1] - waiting[0] > timedelta(hours=12)
    assert waiting[0] < timezone.now() - timedelta(hours=12)


@pytest.mark.django_db(transaction=True)
def test_seeding_again_writes_nothing_and_a_bigger_desk_resumes(fast_passwords: None) -> None:
    demo_seed(tickets=15)
    counts = [m.objects.count() for m in (Ticket, Message, Event, TicketActivity, Agent, Team)]
    stamps = [
        sorted(m.objects.values_list("pk", "updated_at"))
        for m in (Ticket, Agent, Team, ChannelAccount, Customer)
    ]
    again = demo_seed(tickets=15)
    assert (again.tickets_created, again.tickets_present, again.agents_created) == (0, 15, 0)
    assert [m.objects.count() for m in (Ticket, Message, Event, TicketActivity, Agent, Team)] == (
        counts
    )
    assert [
        sorted(m.objects.values_list("pk", "updated_at"))
        for m in (Ticket, Agent, Team, ChannelAccount, Customer)
    ] == stamps
    more = demo_seed(tickets=25)
    assert (more.tickets_created, more.tickets_present) == (10, 15)
    assert Ticket.objects.count() == 25


def test_ticket_texts_have_no_leftover_placeholders() -> None:
    plan = demo_plan(tickets=50)
    formatter = string.Formatter()
    for p in plan:
        fields = {name for _, name, _, _ in formatter.parse(p.story.opening) if name}
        assert fields <= set(p.values) | {"name", "agent"}, p.story.subject
