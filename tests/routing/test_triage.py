# ruff: noqa: RUF001 - native CJK punctuation is intended
"""triage(): every decision together, with reasons. See docs/architecture.md#triage."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest

from vigil.routing.triage import TriageConfig, TriageHints, load_rules, triage
from vigil.routing.triage.category import classify


def test_a_full_result_with_reasons():
    result = triage("USDT 提现 pending 已经5个小时，你们这些骗子", vip_tier=0)
    assert result.language.code == "zh-hans"
    assert result.category.category == "withdrawal"
    assert result.urgency.level == "high" and result.urgency.priority == 3
    assert result.urgency.bump == 1
    assert result.tone.abusive and not result.tone.distressed
    assert result.secrets.findings == ()
    assert result.redacted_text == "USDT 提现 pending 已经5个小时，你们这些骗子"
    assert not result.needs_security
    summary = result.summary()
    json.dumps(summary, ensure_ascii=False)  # ready to store on the ticket
    assert summary["language_reason"] and summary["category_reason"]
    assert summary["urgency_reasons"] and summary["tone_reasons"]


def test_results_are_frozen():
    result = triage("hello")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.language = None  # type: ignore[misc,assignment]


def test_compromise_makes_it_a_security_case():
    text = "I can't log in, my password was changed and it wasn't me"
    assert classify(text).category == "account_access"  # what the words alone say
    result = triage(text)
    assert result.category.category == "security"
    assert result.category.reason.startswith("account compromise signs override account_access")
    assert result.urgency.level == "urgent"
    assert result.needs_security


def test_subject_counts_for_category_and_urgency():
    result = triage("please check, thanks", subject="Withdrawal stuck for 6 hours")
    assert result.category.category == "withdrawal"
    assert result.urgency.level == "high"


def test_vip_and_preferred_language():
    tx = "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce"
    result = triage(tx, vip_tier=3, hints=TriageHints(preferred_language="zh-hant"))
    assert result.language.code == "zh-hant"
    assert "preferred language" in result.language.reason
    assert result.urgency.level == "high"
    assert result.urgency.reasons == ("VIP tier 3",)


def test_served_languages_restrict_the_answer():
    result = triage("Mi retiro está pendiente", served_languages=("en", "es"))
    assert result.language.code == "es"
    assert triage("Mi retiro está pendiente").language.code == "en"


def test_config_threshold_vip_and_rules():
    config = TriageConfig(
        rules=load_rules({"categories": {"other": {"en": {"nft": 6}}}}),
        withdrawal_pending_threshold=timedelta(hours=12),
        vip_min_tier=2,
    )
    text = "my NFT withdrawal has been pending 5 hours"
    default = triage(text, vip_tier=1)
    custom = triage(text, vip_tier=1, config=config)
    assert (default.category.category, default.urgency.level) == ("withdrawal", "urgent")
    assert (custom.category.category, custom.urgency.level) == ("other", "normal")


def test_distressed_customer_with_self_harm_is_not_abusive():
    result = triage("爆仓了，血汗钱全没了，你们这些骗子，我不想活了")
    assert result.tone.distressed and result.tone.self_harm and not result.tone.abusive
    assert result.urgency.level == "urgent" and result.category.category == "trading"


def test_module_example_holds():
    import doctest

    import vigil.routing.triage as module

    assert doctest.testmod(module).failed == 0
