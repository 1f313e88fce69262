# ruff: noqa: RUF001 - native CJK punctuation is intended
"""Tone: abusive and distressed flags. See docs/architecture.md#triage."""

from __future__ import annotations

import pytest

from vigil.routing.triage.tone import assess_tone


@pytest.mark.parametrize(
    "text",
    [
        "you idiots lost my deposit",
        "fix your login page you morons",
        "shit exchange, where is my money",
        "I know where your office is",
        "傻逼客服，半天不回消息",
        "你们这些骗子",
        "垃圾平台",
        "幹你娘，客服都不回",
        "ふざけるな、バカ",
        "クソ取引所",
        "死ね",
    ],
)
def test_abusive(text):
    result = assess_tone(text)
    assert result.abusive and not result.distressed, result
    assert result.reasons[0].startswith("abuse:")


@pytest.mark.parametrize(
    "text",
    [
        "where is my fucking deposit",  # swearing alone is frustration, not abuse
        "is this SMS a scam?",
        "是骗子吗",
        "my shitcoin deposit is missing",
        "最悪です",
    ],
)
def test_not_abusive(text):
    assert not assess_tone(text).abusive


@pytest.mark.parametrize(
    "text",
    [
        "my life savings are gone",
        "I'm panicking, please help",
        "我全部积蓄都在里面",
        "血汗钱全没了，求求你们",
        "一輩子的積蓄都沒了",
        "助けてください、全財産が",
    ],
)
def test_distressed(text):
    result = assess_tone(text)
    assert result.distressed and not result.abusive and not result.self_harm
    assert result.reasons[0].startswith("distress:")


@pytest.mark.parametrize(
    "text",
    [
        "I lost everything, I want to kill myself",
        "fuck you all, I don't want to live anymore",  # harsh words, but self-harm wins
        "你们这些骗子，我不想活了",
        "もう死にたい、バカ",
    ],
)
def test_self_harm_is_distressed_and_never_abusive(text):
    result = assess_tone(text)
    assert result.distressed and result.self_harm
    assert not result.abusive
    assert any("self-harm" in r for r in result.reasons)


def test_calm_message_has_no_flags():
    result = assess_tone("Withdrawal pending for 3 hours, could you check?")
    assert (result.abusive, result.distressed, result.reasons) == (False, False, ())
