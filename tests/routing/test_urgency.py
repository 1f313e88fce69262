"""Urgency: liquidation, compromise, pending withdrawals, VIP. See docs/architecture.md#triage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vigil.routing.triage.durations import longest, parse_durations
from vigil.routing.triage.urgency import LEVELS, assess_urgency
from vigil.tickets.choices import Priority


def test_levels_match_ticket_priorities():
    assert {p.name.lower(): p.value for p in Priority} == {n: i + 1 for i, n in enumerate(LEVELS)}


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("pending for 3 hours", 3),
        ("2 days already", 48),
        ("提现两天了", 48),
        ("三个小时了", 3),
        ("3時間経っても", 3),
        ("4hrs now", 4),
        ("等咗五個鐘", 5),
        ("好幾個小時", 3),
        ("都十几个小时了", 15),
        ("半日以上", 12),
        ("since yesterday", 12),
        ("30 minutes", 0.5),
        ("３時間", 3),  # full-width digits
        ("一周了", 168),
    ],
)
def test_durations(text, hours):
    found = longest(text)
    assert found is not None and found.hours == pytest.approx(hours), parse_durations(text)


@pytest.mark.parametrize("text", ["2024年3月12日", "order 88213407", "level 1 account", "每天"])
def test_things_that_are_not_durations(text):
    assert parse_durations(text) == []


def test_since_a_date_uses_now():
    now = datetime(2025, 3, 4, 12, tzinfo=UTC)
    found = longest("pending since 2025-03-01", now=now)
    assert found is not None and found.hours == 72


@pytest.mark.parametrize(
    "text",
    [
        "my position is about to get liquidated",
        "margin call on my long",
        "合约快爆仓了",
        "被强平了",
        "強制決済されました",
        "ロスカットされそう",
    ],
)
def test_liquidation_risk_is_urgent(text):
    result = assess_urgency(text)
    assert (result.level, result.liquidation, result.bump) == ("urgent", True, 2)
    assert result.reasons[0].startswith("liquidation or margin risk")


@pytest.mark.parametrize(
    "text",
    [
        "Someone withdrew my funds",
        "I think I was hacked",
        "my account was compromised",
        "账户被盗了",
        "帳號被盜了",
        "不正アクセスされました",
        "アカウントを乗っ取られた",
        "我個account俾人hack咗",
    ],
)
def test_account_compromise_is_urgent(text):
    result = assess_urgency(text)
    assert result.level == "urgent" and result.compromise
    assert result.reasons[0].startswith("account compromise")


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("withdrawal pending for 3 hours", "high"),
        ("withdrawal pending for 30 minutes", "normal"),
        ("提现两天了还没到", "high"),
        ("出金申請から3時間経っても届かない", "high"),
        ("deposit not credited after 5 hours", "normal"),  # the policy names withdrawals
        ("why do I have to wait 24h before I can withdraw?", "normal"),  # a rule, not a wait
    ],
)
def test_withdrawal_pending_past_threshold(text, level):
    assert assess_urgency(text).level == level


def test_threshold_is_configurable():
    text = "withdrawal still pending after 3 hours"
    assert assess_urgency(text).level == "high"
    relaxed = assess_urgency(text, pending_threshold=timedelta(hours=6))
    assert relaxed.level == "normal"
    assert relaxed.pending_hours == 3
    strict = assess_urgency(text, pending_threshold=timedelta(hours=1))
    assert "threshold 1 h" in strict.reasons[0]


def test_vip_tier_raises_one_level():
    assert assess_urgency("deposit question", vip_tier=2).level == "high"
    assert assess_urgency("deposit question", vip_tier=2, vip_min_tier=3).level == "normal"
    result = assess_urgency("I got liquidated", vip_tier=4)
    assert result.level == "urgent"  # capped
    assert result.reasons[-1] == "VIP tier 4"
    pending = assess_urgency("withdrawal stuck for 5 hours", vip_tier=1)
    assert pending.level == "urgent"


def test_nothing_to_solve_is_low_and_a_problem_is_not():
    assert assess_urgency("thanks, problem solved", category="other").level == "low"
    assert assess_urgency("thanks, but my withdrawal is stuck", category="withdrawal").level == (
        "normal"
    )
    assert assess_urgency("ありがとうございました", category="other", vip_tier=1).level == "normal"
