# ruff: noqa: F811, RUF001 - pytest fixtures are imported by name; native CJK punctuation
"""Triage on arrival, through message_ingest: decisions recorded on the ticket with reasons,
channel values winning, urgency raised (never lowered) by later messages, VIP, tone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.channels.email.transport import mail, support, wire  # noqa: F401 - fixture
from tests.factories.tickets import ingest
from vigil.channels.email.services import email_receive
from vigil.channels.models import ChannelAccount
from vigil.customers.choices import IdentityKind
from vigil.customers.models import Customer
from vigil.customers.services import customer_resolve
from vigil.routing.services import CONFIG
from vigil.tickets.choices import ActivityKind, Priority
from vigil.tickets.models import Ticket, TicketActivity

pytestmark = pytest.mark.django_db


def _fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def test_api_ticket_records_each_decision_with_its_reason() -> None:
    result = ingest(
        subject="",
        text="先物ポジションがロスカットされそうです。証拠金を追加できません、至急対応してください",
    )
    ticket = _fresh(result.ticket)
    assert ticket.language == "ja"
    assert ticket.category == "trading"
    assert ticket.priority == Priority.URGENT
    triage = ticket.triage
    assert triage["language"]["value"] == "ja" and triage["language"]["source"] == "detected"
    assert triage["language"]["reason"] and 0 < triage["language"]["confidence"] <= 1
    assert triage["category"]["value"] == "trading"
    assert "ロスカット" in triage["category"]["reason"]
    assert triage["category"]["rules_version"] == 0  # the built-in rules
    assert triage["priority"]["value"] == "urgent"
    assert "ロスカット" in triage["priority"]["reason"]
    assert triage["secrets"]["value"] == [] and not ticket.security_flag
    assert "route" in triage  # routing ran right after triage, in the same transaction


def test_email_ticket_is_triaged_and_acknowledged_in_the_detected_language(
    support: ChannelAccount,
) -> None:
    letter = mail(
        subject="提幣一直沒到帳",
        body="您好，我昨天申請的 USDT 提幣到現在還沒有到帳，已經等了十個小時，請幫我查詢。\n",
    )
    received = email_receive(account=support, raw=wire(letter))
    ticket = _fresh(received.ticket)
    assert ticket.language == "zh-hant"
    assert ticket.triage["language"]["source"] == "detected"  # the mail's guess did not win
    assert ticket.category == "withdrawal"
    assert ticket.priority == Priority.HIGH
    assert "threshold" in ticket.triage["priority"]["reason"]
    assert received.acknowledgement is not None
    assert received.acknowledgement.metadata["language"] == "zh-hant"


def test_values_the_channel_supplied_win_and_the_reason_says_so() -> None:
    result = ingest(
        text="My withdrawal has been pending for ten hours",
        language="ja",
        category="kyc",
        priority=Priority.LOW,
    )
    ticket = _fresh(result.ticket)
    assert (ticket.language, ticket.category, ticket.priority) == ("ja", "kyc", Priority.LOW)
    triage = ticket.triage
    assert triage["language"]["source"] == "channel"
    assert "chosen on the api channel (detected: en)" in triage["language"]["reason"]
    assert triage["category"]["source"] == "channel"
    assert triage["category"]["detected"] == "withdrawal"
    assert "detected: withdrawal" in triage["category"]["reason"]
    assert triage["priority"]["source"] == "channel"
    assert "detected: high" in triage["priority"]["reason"]
    # "other" is no choice: detection decides.
    unsure = ingest(text="My withdrawal has been pending for ten hours", category="other")
    assert Ticket.objects.get(pk=unsure.ticket.pk).category == "withdrawal"


def test_a_later_message_raises_the_priority_and_never_lowers_it() -> None:
    first = ingest(subject="", text="How do I change the e-mail address on my account?")
    ticket = _fresh(first.ticket)
    assert ticket.priority == Priority.NORMAL
    ingest(ticket=ticket, text="Now I got a margin call and will be liquidated, please hurry!")
    ticket = _fresh(ticket)
    assert ticket.priority == Priority.URGENT
    assert ticket.triage["priority"]["reason"].startswith("raised by message")
    update = ticket.triage["updates"][-1]
    assert update["priority"] == "urgent"
    raised = TicketActivity.objects.get(ticket=ticket, kind=ActivityKind.PRIORITY)
    assert raised.data == {"from": "normal", "to": "urgent", "by": "triage"}
    ingest(ticket=ticket, text="Thanks, all good now.")
    assert _fresh(ticket).priority == Priority.URGENT


def test_vip_tier_raises_the_priority() -> None:
    address = "whale@example.com"
    customer = customer_resolve(kind=IdentityKind.EMAIL, address=address)
    Customer.objects.filter(pk=customer.pk).update(vip_tier=2)
    vip = _fresh(ingest(sender_address=address, subject="", text="How do I set up 2FA?").ticket)
    plain = _fresh(ingest(subject="", text="How do I set up 2FA?").ticket)
    assert plain.priority == Priority.NORMAL
    assert vip.priority == Priority.HIGH
    assert "VIP tier 2" in vip.triage["priority"]["reason"]


def test_a_withdrawal_pending_past_the_threshold_raises_the_priority() -> None:
    hours = CONFIG.withdrawal_pending_threshold / timedelta(hours=1)
    short = ingest(subject="", text="My BTC withdrawal is pending for 30 minutes")
    long = ingest(subject="", text=f"My BTC withdrawal is pending for {int(hours) + 3} hours")
    assert _fresh(short.ticket).priority == Priority.NORMAL
    ticket = _fresh(long.ticket)
    assert ticket.priority == Priority.HIGH
    assert f"threshold {hours:g} h" in ticket.triage["priority"]["reason"]


def test_abusive_messages_are_tagged_and_distressed_ones_go_to_a_senior_agent() -> None:
    abusive = _fresh(
        ingest(subject="", text="You idiots stole my money, you scammers, f*** you").ticket
    )
    assert abusive.tone == "abusive"
    assert "abusive" in {t.name for t in abusive.tags.all()}
    assert "policy" in abusive.triage["tone"]["reason"]
    assert "route_hint" not in abusive.triage
    distressed = _fresh(
        ingest(
            subject="",
            text="Please help me, I lost all my savings, I can't sleep, I don't know what to do",
        ).ticket
    )
    assert distressed.tone == "distressed"
    assert distressed.triage["route_hint"] == "senior"
    calm = _fresh(ingest(subject="", text="What are the trading fees for VIP 1?").ticket)
    assert calm.tone == "" and "route_hint" not in calm.triage
