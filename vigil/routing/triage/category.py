# ruff: noqa: RUF001 - native CJK punctuation and apostrophes are intended
"""What a message is about: deposit, withdrawal, account access, trading, API, KYC, security, fees.

See docs/architecture.md#triage. The score of a category is the sum of the weights of its distinct
terms found in the subject and text (`rules.py`); the best category wins if it reaches the rule
set's `min_score`, else the message is `other`. Confidence grows with the winner's lead over the
runner-up. `learn_weights` turns agents' corrections into a new rule set (a perceptron step: the
terms that voted for the wrong category lose weight, those of the right one gain).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from vigil.routing.triage.rules import CATEGORIES, Match, RuleSet, Term, default_rules

FALLBACK = "other"


@dataclass(frozen=True, slots=True)
class CategoryResult:
    category: str
    confidence: float
    reason: str
    matched: tuple[str, ...]  # the terms that voted for the chosen category
    scores: tuple[tuple[str, float], ...]  # every category with a score, best first


def _scores(matches: Iterable[Match]) -> tuple[dict[str, float], dict[str, list[Term]]]:
    seen: set[tuple[str, str]] = set()
    scores: dict[str, float] = {}
    voters: dict[str, list[Term]] = {}
    for match in matches:
        term = match.term
        if term.key in seen or not term.weight:
            continue
        seen.add(term.key)
        scores[term.category] = scores.get(term.category, 0.0) + term.weight
        voters.setdefault(term.category, []).append(term)
    return scores, voters


def _ranked(scores: dict[str, float], rules: RuleSet) -> list[tuple[str, float]]:
    order = {category: i for i, category in enumerate(rules.tie_order)}
    return sorted(scores.items(), key=lambda item: (-item[1], order.get(item[0], 99)))


def _describe(terms: list[Term]) -> str:
    return ", ".join(f"{t.text} ({t.weight:g})" for t in sorted(terms, key=lambda t: -t.weight))


def classify(text: str, *, subject: str = "", rules: RuleSet | None = None) -> CategoryResult:
    rules = rules or default_rules()
    combined = f"{subject}\n{text}" if subject else text
    scores, voters = _scores(rules.match(combined))
    ranked = _ranked(scores, rules)
    if not ranked or ranked[0][1] < rules.min_score:
        why = "no rule matched" if not ranked else f"best score {ranked[0][1]:g} below minimum"
        return CategoryResult(FALLBACK, 0.3, why, (), tuple(ranked))
    best, best_score = ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else None
    second = runner_up[1] if runner_up else 0.0
    confidence = round(best_score / (best_score + second + 1.0), 2)
    reason = f"{best} {best_score:g}: {_describe(voters[best])}"
    if runner_up:
        reason += f"; runner-up {runner_up[0]} {second:g}: {_describe(voters[runner_up[0]])}"
    matched = tuple(t.text for t in voters[best])
    return CategoryResult(best, confidence, reason, matched, tuple(ranked))


# -- learning from corrections -------------------------------------------------------------

_LEARN_WORD = re.compile(r"[a-z][a-z'’]{3,}")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]{2,}")
_STOP_WORDS = (
    "this that with have from your what when where which there their they them been were will "
    "would could should about after before still just please help hello thanks thank dear team "
    "support need want does done into only also some more than then very much many my "
)
_STOPWORDS = frozenset(_STOP_WORDS.split())


@dataclass(frozen=True, slots=True)
class WeightChange:
    term: str
    category: str
    old: float | None  # None: a new term
    new: float


@dataclass(frozen=True, slots=True)
class Learned:
    rules: RuleSet
    changes: tuple[WeightChange, ...]
    mistakes: int  # corrections the rules had got wrong before this step


def _candidate_terms(text: str) -> set[str]:
    lowered = text.lower()
    words = {w for w in _LEARN_WORD.findall(lowered) if w not in _STOPWORDS}
    for run in _CJK_RUN.findall(lowered):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words


def learn_weights(
    rules: RuleSet,
    corrections: Iterable[tuple[str, str]],
    *,
    rate: float = 0.5,
    epochs: int = 1,
    add_terms: bool = False,
    min_support: int = 2,
) -> Learned:
    """Adjust term weights from (text, corrected category) pairs and return the new rule set.

    When the rules chose the wrong category, each distinct term that voted for it loses `rate`
    (down to 0, which drops the term) and each term of the corrected category gains `rate`. With
    `add_terms`, words (CJK: character pairs) that occur in at least `min_support` misclassified
    messages of one category and in none of the others become new terms of weight `rate`.
    """
    pairs = [(text, category) for text, category in corrections]
    for _text, category in pairs:
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}")
    original = rules
    mistakes = 0
    support: dict[str, Counter[str]] = {}
    for epoch in range(epochs):
        weights: dict[tuple[str, str], float] = {}
        for text, category in pairs:
            current = rules.with_weights(weights) if weights else rules
            result = classify(text, rules=current)
            if result.category == category:
                continue
            if epoch == 0:
                mistakes += 1
            _, voters = _scores(current.match(text))
            for term in voters.get(result.category, ()):
                weights[term.key] = max(0.0, weights.get(term.key, term.weight) - rate)
            for term in voters.get(category, ()):
                weights[term.key] = weights.get(term.key, term.weight) + rate
            if add_terms and epoch == 0:
                for word in _candidate_terms(text):
                    support.setdefault(word, Counter())[category] += 1
        rules = rules.with_weights(weights)
    if add_terms:
        rules = rules.with_terms(_new_terms(rules, support, rate, min_support))
    return Learned(rules, _diff(original, rules), mistakes)


def _new_terms(
    rules: RuleSet, support: dict[str, Counter[str]], rate: float, min_support: int
) -> list[Term]:
    known = {t.text for t in rules.terms}
    new = []
    for word, counts in sorted(support.items()):
        if word in known or len(counts) != 1:
            continue
        ((category, count),) = counts.items()
        if count >= min_support:
            language = "learned-cjk" if word[0] >= "\u2e80" else "learned"
            new.append(Term(word, category, rate, (language,)))
    return new


def _diff(old: RuleSet, new: RuleSet) -> tuple[WeightChange, ...]:
    before = {t.key: t.weight for t in old.terms}
    after = {t.key: t.weight for t in new.terms}
    changes = []
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            changes.append(WeightChange(key[0], key[1], before.get(key), after.get(key, 0.0)))
    return tuple(changes)
