# ruff: noqa: RUF001 - native CJK punctuation is intended
"""Language detection restricted to served languages. See docs/architecture.md#triage."""

from __future__ import annotations

import pytest

from vigil.routing.triage import language as lang
from vigil.routing.triage.hanzi import (
    JAPANESE_ONLY,
    SIMPLIFIED_ONLY,
    TRADITIONAL_ONLY,
    script_votes,
)
from vigil.routing.triage.language import detect_language

TX = "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("USDT 提现 pending", "zh-hans"),
        ("my 提现 still not arrived 已经5个小时", "zh-hans"),
        ("USDT 提幣 pending 好幾個小時", "zh-hant"),
        ("我個account俾人hack咗", "zh-hant"),
        ("出金申請してから3時間経っても届きません", "ja"),  # kanji-heavy, but kana present
        ("2FA リセットお願いします", "ja"),
        ("KYC 審査が終わらない", "ja"),
        ("出金停止中、対応済？", "ja"),  # no kana: Japanese-only forms 対 済
        ("我的充值没到账", "zh-hans"),
        ("我的入金還沒有到帳", "zh-hant"),
        ("My name on the ID is 王小明 but the KYC form rejects it", "en"),
        ("withdrawal?", "en"),
        ("hi", "en"),
    ],
)
def test_default_served_languages(text, expected):
    result = detect_language(text)
    assert result.code == expected, result
    assert result.reason


def test_simplified_and_traditional_votes_are_reported():
    result = detect_language("提币一直没到账")
    assert result.code == "zh-hans"
    assert "simplified-only" in result.reason
    assert script_votes("提幣還沒到帳") == (0, 4, 0)


def test_character_tables_are_disjoint_and_compact():
    assert not SIMPLIFIED_ONLY & TRADITIONAL_ONLY
    assert not SIMPLIFIED_ONLY & JAPANESE_ONLY
    assert not TRADITIONAL_ONLY & JAPANESE_ONLY
    assert 200 <= len(SIMPLIFIED_ONLY) == len(TRADITIONAL_ONLY) <= 1000


@pytest.mark.parametrize("text", [TX, f"TXID: {TX}", "88213407", "0x12ab 12.5 USDT", "   "])
def test_text_without_language_uses_the_preferred_language(text):
    result = detect_language(text, hint="ja")
    assert result.code == "ja"
    assert "preferred language" in result.reason


def test_without_a_hint_the_desk_default_is_used():
    result = detect_language(TX, served=("zh-hant", "en"))
    assert result.code == "zh-hant"
    assert "desk default" in result.reason


def test_a_hint_outside_the_served_languages_is_ignored():
    assert detect_language("88213407", hint="ko").code == "en"


def test_subject_is_used_when_the_body_has_no_language():
    assert detect_language(TX, subject="提现没到账", hint="en").code == "zh-hans"


def test_han_text_without_deciding_characters_follows_the_hint():
    assert detect_language("入金", hint="zh-hant").code == "zh-hant"
    assert detect_language("出金", hint="ja").code == "ja"
    assert detect_language("入金").code == "zh-hans"


def test_only_served_languages_are_returned():
    served = ("en", "ja")
    assert detect_language("我的充值没到账", served=served).code == "ja"
    assert detect_language("Mi retiro está pendiente desde ayer", served=served).code == "en"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hola, mi retiro está pendiente desde ayer, ¿qué pasa?", "es"),
        ("Мой вывод средств не пришёл уже три часа", "ru"),
        ("Para çekme işlemim hâlâ beklemede", "tr"),
        ("Tôi chưa nhận được tiền rút về ví", "vi"),
        ("출금이 아직 안 들어왔어요", "ko"),
        ("My withdrawal is still pending since yesterday", "en"),
    ],
)
def test_more_languages_when_configured(text, expected):
    served = ("en", "zh-hans", "zh-hant", "ja", "ko", "ru", "es", "tr", "vi")
    result = detect_language(text, served=served)
    assert result.code == expected, result


def test_detector_is_built_once_per_language_set():
    served = ("en", "es", "ru")
    lang.preload(served)
    first = lang._DETECTORS[("en", "es", "ru")]
    detect_language("¿Dónde está mi depósito?", served=served)
    detect_language("где мой депозит", served=("ru", "es", "en"))
    assert lang._DETECTORS[("en", "es", "ru")] is first


def test_no_served_language_is_an_error():
    with pytest.raises(ValueError, match="serves no language"):
        detect_language("hello", served=())
