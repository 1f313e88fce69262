"""Category rules as data, overrides, and learning from corrections.

See docs/architecture.md#triage.
"""

from __future__ import annotations

import json

import pytest

from vigil.routing.triage.category import classify, learn_weights
from vigil.routing.triage.rules import (
    CATEGORIES,
    RulesError,
    default_rules,
    load_rules,
    load_rules_file,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My withdrawal is stuck", "withdrawal"),
        ("提币手续费太贵了", "fees"),  # fees outweigh the withdrawal it is about
        ("Got liquidated on my BTC long", "trading"),
        ("二段階認証のアプリを消してしまいました", "account_access"),
        ("取引所から送ったビットコインがまだ口座に入っていません", "deposit"),  # 取引所 is neutral
        ("API returns error -1021", "api"),
        ("實名認證要多久", "kyc"),
        ("Is this email phishing?", "security"),
        ("When do you list my token?", "other"),
        ("hello", "other"),
    ],
)
def test_classify(text, expected):
    result = classify(text)
    assert result.category == expected, result.reason


def test_result_explains_itself():
    result = classify("withdrawal fee too high", subject="Fees")
    assert result.category == "fees"
    assert "fee" in result.matched and "fees" in result.matched
    assert result.reason.startswith("fees ")
    assert "runner-up withdrawal" in result.reason
    assert 0 < result.confidence < 1
    assert [c for c, _ in result.scores][:2] == ["fees", "withdrawal"]


def test_confidence_grows_with_evidence():
    weak = classify("my wallet")
    strong = classify("withdrawal stuck, withdraw pending, 提现 not arrived")
    assert weak.category == strong.category == "withdrawal"
    assert strong.confidence > weak.confidence


def test_no_match_is_other_with_low_confidence():
    result = classify("hmm")
    assert (result.category, result.confidence, result.reason) == ("other", 0.3, "no rule matched")


def test_stems_phrases_and_whole_words():
    rules = default_rules()
    assert classify("liquidations everywhere", rules=rules).category == "trading"  # liquidat*
    assert classify("I feel bad", rules=rules).category == "other"  # "fee" is a whole word
    assert "margin call" in classify("margin calls all night").matched


def test_default_rules_cover_every_category_in_every_language():
    data = default_rules().to_dict()
    assert set(data["categories"]) == set(CATEGORIES)
    for category, by_language in data["categories"].items():
        languages = set(by_language)
        assert {"en", "zh-hans", "ja"} <= languages, (category, languages)


def test_overrides_add_change_and_remove_terms():
    rules = load_rules(
        {
            "categories": {
                "other": {"en": {"launch party": 5}},
                "fees": {"en": {"fee": 0}},  # removed
                "api": {"zh-hans": {"接口": 9}},
            }
        }
    )
    assert classify("launch party tickets?", rules=rules).category == "other"
    assert rules.weight("fee", "fees") is None
    assert rules.weight("接口", "api") == 9
    assert default_rules().weight("fee", "fees") == 4  # the defaults are untouched


def test_replace_ignores_the_defaults():
    rules = load_rules({"categories": {"kyc": {"en": {"passport": 2}}}}, replace=True)
    assert len(rules.terms) == 1
    assert classify("withdrawal stuck", rules=rules).category == "other"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"categories": {"lottery": {"en": {"win": 1}}}}, "unknown category"),
        ({"categories": {"api": {"en": {"re:([": 1}}}}, "bad regular expression"),
        ({"categories": {"api": {"en": {"key": "heavy"}}}}, "must be a number"),
        ({"categories": {"api": {"en": {"!!!": 1}}}}, "no word"),
        ({"tie_order": ["api"]}, "tie_order"),
        ({"min_score": -1}, "min_score"),
    ],
)
def test_bad_overrides_are_refused_with_a_reason(overrides, message):
    with pytest.raises(RulesError, match=message):
        load_rules(overrides)


def test_rules_round_trip_through_json(tmp_path):
    rules = load_rules({"categories": {"other": {"en": {"nft": 3}}}})
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(rules.to_dict(), ensure_ascii=False), encoding="utf-8")
    again = load_rules_file(path, replace=True)
    assert {t.key: t.weight for t in again.terms} == {t.key: t.weight for t in rules.terms}
    assert again.neutral == rules.neutral
    with pytest.raises(RulesError, match="cannot read"):
        load_rules_file(tmp_path / "missing.json")


def test_learning_moves_weights_towards_the_corrections():
    text = "How do I create an API key with trading permission but no withdrawals"
    assert classify(text).category == "withdrawal"
    learned = learn_weights(default_rules(), [(text, "api")])
    assert learned.mistakes == 1
    changes = {(c.term, c.category): (c.old, c.new) for c in learned.changes}
    assert changes[("withdraw*", "withdrawal")] == (3.0, 2.5)
    assert changes[("api", "api")] == (3.0, 3.5)
    assert classify(text, rules=learned.rules).category == "api"
    assert default_rules().weight("api", "api") == 3  # pure: the input rule set is unchanged


def test_learning_leaves_right_answers_alone():
    learned = learn_weights(default_rules(), [("withdrawal stuck", "withdrawal")])
    assert learned.mistakes == 0 and learned.changes == ()


def test_learning_can_add_terms_from_repeated_corrections():
    corrections = [
        ("my launchpool rewards are missing", "other"),
        ("launchpool subscription failed", "other"),
        ("how does launchpool work", "other"),
        ("the ledger thing is weird", "deposit"),
    ]
    rules = load_rules({"categories": {"trading": {"en": {"subscription": 2, "missing": 2}}}})
    learned = learn_weights(rules, corrections, add_terms=True, min_support=2)
    added = {(c.term, c.category) for c in learned.changes if c.old is None}
    assert ("launchpool", "other") in added
    assert not any(term == "ledger" for term, _ in added)  # seen once only
    assert classify("launchpool question", rules=learned.rules).category == "other"


def test_learning_refuses_unknown_categories():
    with pytest.raises(ValueError, match="unknown category"):
        learn_weights(default_rules(), [("x", "nonsense")])
