# ruff: noqa: RUF001 - native CJK punctuation is intended
"""Seeding the demo desk through the real services. See docs/architecture.md#the-apps.

Every ticket is written the way production writes it (message_ingest, message_reply,
note_add, ticket_update), so its events, activities and threading are real. Each ticket's
story is one transaction, and a ticket whose first message is already stored is skipped: a
second run writes nothing, and an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent, Team
from vigil.accounts.selectors import agent_get_by_email
from vigil.accounts.services import agent_create, agent_set_presence, team_create
from vigil.channels.base import Capability
from vigil.channels.choices import ChannelKind
from vigil.channels.email.accounts import email_account_create
from vigil.channels.models import ChannelAccount
from vigil.channels.registry import adapter_for
from vigil.channels.services import channel_account_get_or_create_default
from vigil.customers.choices import IdentityKind
from vigil.customers.services import customer_update
from vigil.demo.people import (
    ADMIN_EMAIL,
    AGENTS,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    TEAM_EN,
    TEAM_JA,
    TEAM_ZH,
    TEAMS,
)
from vigil.demo.plan import TicketPlan, demo_plan
from vigil.demo.selectors import demo_channel_account_get, demo_tickets_stored
from vigil.tickets.choices import TicketStatus
from vigil.tickets.ingestion import InboundMessage, message_ingest
from vigil.tickets.models import Ticket
from vigil.tickets.services import message_reply, note_add, ticket_update

REOPEN = {
    "en": "Thanks, but it's still not showing on my side. Could you check again please?",
    "zh-hans": "谢谢，但是我这边还是没有看到，能再帮忙查一下吗？",
    "zh-hant": "謝謝，但我這邊還是沒有看到，可以再幫忙確認嗎？",
    "ja": "ご対応ありがとうございます。ただ、こちらではまだ反映されていないようです。"
    "再度ご確認いただけますか。",
}
EMAIL_ACCOUNTS = {
    "en": (f"support@{DEMO_DOMAIN}", TEAM_EN),
    "zh-hans": (f"support-cn@{DEMO_DOMAIN}", TEAM_ZH),
    "zh-hant": (f"support-cn@{DEMO_DOMAIN}", TEAM_ZH),
    "ja": (f"support-jp@{DEMO_DOMAIN}", TEAM_JA),
}
OTHER_ACCOUNTS: dict[str, tuple[str, str]] = {
    ChannelKind.CHAT: ("Website chat", f"https://{DEMO_DOMAIN}"),
    ChannelKind.TELEGRAM: ("Telegram bot", "@VigilDeskBot"),
    ChannelKind.WEBFORM: ("Help centre form", f"https://{DEMO_DOMAIN}/help/contact"),
}
SENDER_KIND: dict[str, str] = {
    ChannelKind.EMAIL: IdentityKind.EMAIL,
    ChannelKind.CHAT: IdentityKind.CHAT,
    ChannelKind.TELEGRAM: IdentityKind.TELEGRAM,
    ChannelKind.WEBFORM: IdentityKind.EMAIL,
    ChannelKind.API: IdentityKind.API,
}
WITH_SUBJECT: set[str] = {ChannelKind.EMAIL, ChannelKind.WEBFORM, ChannelKind.API}


@dataclass(frozen=True)
class DemoSummary:
    tickets_created: int
    tickets_present: int
    agents_created: int
    seconds: float
    login: tuple[str, str]

    def describe(self) -> str:
        return (
            f"demo desk: {self.tickets_created} tickets created, {self.tickets_present} already "
            f"there, {self.agents_created} agents created in {self.seconds:.1f} s; "
            f"log in as {self.login[0]} / {self.login[1]}"
        )


@dataclass
class _Desk:
    teams: dict[str, Team]
    agents: dict[str, Agent]
    accounts: dict[str, ChannelAccount]  # by kind, e-mail accounts by language
    now: datetime


def demo_seed(*, tickets: int = 300, seed: int = 20240601) -> DemoSummary:
    """Seed (or complete) the demo desk; returns what it did and the admin login."""
    started = time.monotonic()
    teams = {
        spec.name: team_create(
            name=spec.name, languages=spec.languages, description=spec.description
        )
        for spec in TEAMS
    }
    agents, agents_created = _agents(teams)
    desk = _Desk(teams=teams, agents=agents, accounts=_accounts(teams), now=timezone.now())
    plans = demo_plan(tickets=tickets, seed=seed)
    present = demo_tickets_stored(plans=plans)
    created = 0
    for plan in plans:
        if plan.index in present:
            continue
        with transaction.atomic():
            _ticket_story(desk, plan)
        created += 1
    return DemoSummary(
        tickets_created=created,
        tickets_present=len(present),
        agents_created=agents_created,
        seconds=time.monotonic() - started,
        login=(ADMIN_EMAIL, DEMO_PASSWORD),
    )


def _agents(teams: dict[str, Team]) -> tuple[dict[str, Agent], int]:
    agents: dict[str, Agent] = {}
    created = 0
    for spec in AGENTS:
        agent = agent_get_by_email(email=spec.email)
        if agent is None:
            agent = agent_create(
                email=spec.email,
                password=DEMO_PASSWORD,
                display_name=spec.name,
                role=spec.role,
                languages=spec.languages,
                capacity=spec.capacity,
                teams=[teams[name] for name in spec.teams],
            )
            created += 1
            if spec.online:
                agent_set_presence(agent=agent, presence=Presence.ONLINE)
        agents[spec.email] = agent
    return agents, created


def demo_channel_account(
    *, kind: str, name: str, address: str, default_team: Team | None
) -> ChannelAccount:
    """The demo's entry point of `kind` at `address`, created once (chat, Telegram and the
    web form have no account service of their own yet)."""
    with transaction.atomic():
        account, _ = ChannelAccount.objects.get_or_create(
            kind=kind, address=address, defaults={"name": name, "default_team": default_team}
        )
    return account


def _accounts(teams: dict[str, Team]) -> dict[str, ChannelAccount]:
    accounts: dict[str, ChannelAccount] = {}
    for language, (address, team) in EMAIL_ACCOUNTS.items():
        account = demo_channel_account_get(kind=ChannelKind.EMAIL, address=address)
        if account is None:
            account, _ = email_account_create(
                address=address, name=f"Support ({team})", default_team=teams[team]
            )
        accounts[f"email:{language}"] = account
    for kind, (name, address) in OTHER_ACCOUNTS.items():
        accounts[kind] = demo_channel_account(
            kind=kind, name=name, address=address, default_team=teams[TEAM_EN]
        )
    accounts[ChannelKind.API] = channel_account_get_or_create_default(kind=ChannelKind.API)
    return accounts


def _text(plan: TicketPlan, template: str, agent: Agent | None = None) -> str:
    values = {**plan.values, "name": plan.customer.greeting}
    values["agent"] = agent.display_name if agent else ""
    return template.format(**values).strip()


def _sender(plan: TicketPlan) -> str:
    customer = plan.customer
    addresses: dict[str, str] = {
        ChannelKind.EMAIL: customer.email,
        ChannelKind.CHAT: customer.chat_visitor,
        ChannelKind.TELEGRAM: customer.telegram_chat,
        ChannelKind.WEBFORM: customer.email,
        ChannelKind.API: f"app-user-{customer.uid}",
    }
    return addresses[plan.channel]


def _inbound(desk: _Desk, plan: TicketPlan, *, k: int, text: str, at: datetime | None) -> Ticket:
    account_key = f"email:{plan.language}" if plan.channel == ChannelKind.EMAIL else plan.channel
    subject = _text(plan, plan.story.subject) if plan.channel in WITH_SUBJECT else ""
    thread = f"demo-thread-{plan.index:04d}"
    result = message_ingest(
        inbound=InboundMessage(
            account=desk.accounts[account_key],
            sender_kind=SENDER_KIND[plan.channel],
            sender_address=_sender(plan),
            sender_name=plan.customer.name,
            customer_uid=plan.customer.uid,
            language=plan.language,
            subject=subject if k == 0 else (f"Re: {subject}" if subject else ""),
            category=plan.story.category,
            priority=plan.priority,
            text=text,
            external_id=plan.message_id(k),
            thread_keys=[thread] if k else [],
            register_thread_keys=[thread] if k == 0 else [],
            received_at=at,
        )
    )
    return result.ticket


def _respond(ticket: Ticket, agent: Agent, text: str, status: str | None) -> None:
    """The agent answers the customer; where the channel cannot carry replies yet, the
    answer's effect on the ticket (status, assignee) still happens."""
    try:
        can_reply = adapter_for(ticket.channel).can(Capability.OUTBOUND)
    except LookupError:
        can_reply = False
    if can_reply:
        message_reply(ticket=ticket, agent=agent, text=text, status=status)
        return
    target = status or (TicketStatus.OPEN if ticket.status == TicketStatus.NEW else None)
    assignee = agent if ticket.assignee_id is None else ticket.assignee
    ticket_update(ticket=ticket, actor=agent, status=target, assignee=assignee)


def _ticket_story(desk: _Desk, plan: TicketPlan) -> None:
    at = desk.now - timedelta(hours=plan.hours_ago)
    ticket = _inbound(desk, plan, k=0, text=_text(plan, plan.story.opening), at=at)
    if plan.customer.vip_tier:
        customer_update(customer=ticket.customer, vip_tier=plan.customer.vip_tier)
    if plan.follow_up_hours_ago is not None:
        later = desk.now - timedelta(hours=plan.follow_up_hours_ago)
        ticket = _inbound(desk, plan, k=1, text=_text(plan, plan.story.follow_up), at=later)
    team = desk.teams[plan.team]
    if ticket.team_id != team.pk:
        ticket_update(ticket=ticket, actor=None, team=team)
    if plan.assignee is None:
        return
    agent = desk.agents[plan.assignee]
    if plan.outcome == "new":
        ticket_update(ticket=ticket, actor=None, assignee=agent)
        return
    ticket_update(ticket=ticket, actor=agent, assignee=agent, tags=plan.tags)
    if plan.with_note:
        note_add(ticket=ticket, agent=agent, text=_text(plan, plan.story.note, agent))
    _outcome(desk, plan, ticket, agent)


def _outcome(desk: _Desk, plan: TicketPlan, ticket: Ticket, agent: Agent) -> None:
    reply = _text(plan, plan.story.reply, agent)
    resolution = _text(plan, plan.story.resolution, agent)
    match plan.outcome:
        case "open":
            ticket_update(ticket=ticket, actor=agent, status=TicketStatus.OPEN)
        case "answered":
            _respond(ticket, agent, reply, None)
            text = plan.story.follow_up or REOPEN[plan.language]
            _inbound(desk, plan, k=2, text=_text(plan, text), at=None)
        case "pending":
            _respond(ticket, agent, reply, TicketStatus.PENDING)
        case "on_hold":
            _respond(ticket, agent, reply, TicketStatus.ON_HOLD)
        case "solved" | "closed" | "reopened":
            if plan.index % 2:
                _respond(ticket, agent, reply, TicketStatus.PENDING)
            _respond(ticket, agent, resolution, TicketStatus.SOLVED)
            if plan.outcome == "closed":
                ticket_update(ticket=ticket, actor=None, status=TicketStatus.CLOSED)
            elif plan.outcome == "reopened":
                _inbound(desk, plan, k=3, text=REOPEN[plan.language], at=None)
