# ruff: noqa: RUF001 - native CJK punctuation and apostrophes are intended
"""Category rules as data: weighted multilingual terms, overrides, and learning from corrections.

See docs/architecture.md#triage. A rule set maps each category to terms with weights, grouped by
the language they were written for (the grouping is for people; every term is tried on every
message, because customers mix languages). A term is one of:

- a word or phrase (`login`, `margin call`): whole words, case-insensitive, plain plurals
  included (`margin calls`);
- a stem ending in `*` (`liquidat*`): a word starting with it;
- a term with CJK characters (`提现`, `二段階認証`): a substring, longest match first;
- `re:` and a regular expression, for shapes such as error codes.

`neutral` terms match and score nothing: they keep a longer word from being read as a shorter
term inside it (取引所 "exchange" is not 取引 "trading", 提示 "prompt" is not 提 "withdraw").

Everything here is a pure function over data: `load_rules` merges overrides (from a file, the
database, an admin screen) over the defaults, `learn_weights` returns a new rule set adjusted
by agents' corrections, `RuleSet.to_dict` gives the data back for storage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

CATEGORIES: tuple[str, ...] = (
    "deposit",
    "withdrawal",
    "account_access",
    "trading",
    "api",
    "kyc",
    "security",
    "fees",
    "other",
)
NEUTRAL = "neutral"
DEFAULT_RULES_PATH = Path(__file__).with_name("data") / "category_rules.json"

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)*")
_CJK_START = "\u2e80"


class RulesError(ValueError):
    """A rule set or an override that cannot be used, with the reason."""


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    category: str
    weight: float
    languages: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.text, self.category)


@dataclass(frozen=True, slots=True)
class Match:
    term: Term
    start: int
    end: int


def _is_cjk_term(text: str) -> bool:
    return any(char >= _CJK_START for char in text)


@dataclass(slots=True)
class _Index:
    """Lookup tables built once per rule set; matching is dictionary look-ups, not a big regex."""

    words: dict[str, list[Term]] = field(default_factory=dict)
    stems: dict[str, list[Term]] = field(default_factory=dict)
    phrases: dict[str, list[tuple[tuple[str, ...], bool, Term]]] = field(default_factory=dict)
    cjk: dict[str, list[Term]] = field(default_factory=dict)
    cjk_first: set[str] = field(default_factory=set)
    cjk_max: int = 0
    regexes: list[tuple[re.Pattern[str], Term]] = field(default_factory=list)

    def add(self, term: Term) -> None:
        text = term.text
        if text.startswith("re:"):
            self.regexes.append((re.compile(text[3:], re.IGNORECASE), term))
        elif _is_cjk_term(text):
            self.cjk.setdefault(text, []).append(term)
            self.cjk_first.add(text[0])
            self.cjk_max = max(self.cjk_max, len(text))
        else:
            stem = text.endswith("*")
            words = tuple(_WORD.findall(text.rstrip("*")))
            if len(words) > 1:
                self.phrases.setdefault(words[0], []).append((words[1:], stem, term))
            elif stem:
                self.stems.setdefault(words[0], []).append(term)
            else:
                self.words.setdefault(words[0], []).append(term)

    def finish(self) -> None:
        for candidates in self.phrases.values():
            candidates.sort(key=lambda item: -len(item[0]))


@dataclass(frozen=True)
class RuleSet:
    """An immutable set of weighted terms. Build with `load_rules`, never mutate."""

    terms: tuple[Term, ...]
    min_score: float = 1.0
    tie_order: tuple[str, ...] = CATEGORIES
    version: int = 1
    neutral: tuple[str, ...] = ()
    _index: _Index = field(default_factory=_Index, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for term in self.terms:
            self._index.add(term)
        for text in self.neutral:
            self._index.add(Term(text, NEUTRAL, 0.0, (NEUTRAL,)))
        self._index.finish()

    @property
    def categories(self) -> tuple[str, ...]:
        return self.tie_order

    def weight(self, text: str, category: str) -> float | None:
        return next((t.weight for t in self.terms if t.key == (text, category)), None)

    def match(self, text: str) -> list[Match]:
        """Every term occurrence in the text (Latin words leftmost-longest, CJK longest-first)."""
        lowered = text.lower()
        found = _match_words(self._index, lowered)
        found.extend(_match_cjk(self._index, lowered))
        for pattern, term in self._index.regexes:
            found.extend(Match(term, m.start(), m.end()) for m in pattern.finditer(text))
        return found

    def to_dict(self) -> dict[str, Any]:
        categories: dict[str, dict[str, dict[str, float]]] = {c: {} for c in self.tie_order}
        for term in self.terms:
            by_language = categories.setdefault(term.category, {})
            by_language.setdefault(term.languages[0], {})[term.text] = term.weight
        return {
            "version": self.version,
            "min_score": self.min_score,
            "tie_order": list(self.tie_order),
            "neutral": list(self.neutral),
            "categories": categories,
        }

    def with_weights(self, weights: Mapping[tuple[str, str], float]) -> RuleSet:
        """A copy with some (term, category) weights replaced; a weight of 0 drops the term."""
        terms = []
        for term in self.terms:
            weight = weights.get(term.key, term.weight)
            if weight:
                terms.append(Term(term.text, term.category, weight, term.languages))
        return RuleSet(tuple(terms), self.min_score, self.tie_order, self.version, self.neutral)

    def with_terms(self, new_terms: Iterable[Term]) -> RuleSet:
        known = {t.key for t in self.terms}
        added = tuple(t for t in new_terms if t.key not in known)
        return RuleSet(
            self.terms + added, self.min_score, self.tie_order, self.version, self.neutral
        )


def _match_words(index: _Index, lowered: str) -> list[Match]:
    tokens = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(lowered)]
    found: list[Match] = []
    i = 0
    while i < len(tokens):
        word, start, end = tokens[i]
        step = _match_phrase(index, tokens, i, found)
        if step:
            i += step
            continue
        found.extend(Match(t, start, end) for t in _word_terms(index, word))
        for cut in range(len(word), 2, -1):
            stem_terms = index.stems.get(word[:cut])
            if stem_terms:
                found.extend(Match(t, start, end) for t in stem_terms)
                break
        i += 1
    return found


def _plurals(word: str) -> tuple[str, str, str]:
    return (word, word + "s", word + "es")


def _word_terms(index: _Index, word: str) -> list[Term]:
    """Whole-word terms for a word, its plain English plural included ("fees" → "fee")."""
    terms = index.words.get(word)
    if terms is None and word.endswith("s") and len(word) > 3:
        terms = index.words.get(word[:-1]) or (
            index.words.get(word[:-2]) if word.endswith("es") else None
        )
    return terms or []


def _match_phrase(
    index: _Index, tokens: list[tuple[str, int, int]], i: int, found: list[Match]
) -> int:
    for rest, stem, term in index.phrases.get(tokens[i][0], ()):
        following = tokens[i + 1 : i + 1 + len(rest)]
        if len(following) != len(rest):
            continue
        if all(tok[0] == want for tok, want in zip(following[:-1], rest[:-1], strict=True)):
            last = following[-1][0]
            if last in _plurals(rest[-1]) or (stem and last.startswith(rest[-1])):
                found.append(Match(term, tokens[i][1], following[-1][2]))
                return len(rest) + 1
    return 0


def _match_cjk(index: _Index, lowered: str) -> list[Match]:
    found: list[Match] = []
    if not index.cjk:
        return found
    pos, size = 0, len(lowered)
    while pos < size:
        if lowered[pos] in index.cjk_first:
            for length in range(min(index.cjk_max, size - pos), 0, -1):
                terms = index.cjk.get(lowered[pos : pos + length])
                if terms:
                    found.extend(Match(t, pos, pos + length) for t in terms)
                    pos += length
                    break
            else:
                pos += 1
        else:
            pos += 1
    return found


# -- loading ---------------------------------------------------------------------------------


def _check_term(text: Any, weight: Any, where: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise RulesError(f"{where}: a term must be a non-empty string")
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int | float)):
        raise RulesError(f"{where}: the weight of {text!r} must be a number")
    if text.startswith("re:"):
        try:
            re.compile(text[3:])
        except re.error as exc:
            raise RulesError(f"{where}: bad regular expression {text!r}: {exc}") from exc
    elif not _is_cjk_term(text) and not _WORD.findall(text.lower().rstrip("*")):
        raise RulesError(f"{where}: {text!r} has no word to match")


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = json.loads(json.dumps(base))
    for key in ("min_score", "tie_order", "version", "neutral"):
        if key in overrides:
            merged[key] = overrides[key]
    for category, by_language in (overrides.get("categories") or {}).items():
        if category not in CATEGORIES:
            raise RulesError(f"unknown category {category!r} (one of {', '.join(CATEGORIES)})")
        if not isinstance(by_language, Mapping):
            raise RulesError(f"categories.{category} must map a language to terms")
        target = merged.setdefault("categories", {}).setdefault(category, {})
        for language, terms in by_language.items():
            if not isinstance(terms, Mapping):
                raise RulesError(f"categories.{category}.{language} must map terms to weights")
            bucket = target.setdefault(language, {})
            for text, weight in terms.items():
                _check_term(text, weight, f"categories.{category}.{language}")
                for other in target.values():  # an override replaces the term wherever it was
                    other.pop(text, None)
                if weight:
                    bucket[text] = float(weight)
    return merged


def _build(data: Mapping[str, Any]) -> RuleSet:
    tie_order = tuple(data.get("tie_order") or CATEGORIES)
    if sorted(tie_order) != sorted(CATEGORIES):
        raise RulesError(f"tie_order must list each category once: {', '.join(CATEGORIES)}")
    min_score = data.get("min_score", 1.0)
    if isinstance(min_score, bool) or not isinstance(min_score, int | float) or min_score < 0:
        raise RulesError("min_score must be a number >= 0")
    merged: dict[tuple[str, str], Term] = {}
    for category, by_language in (data.get("categories") or {}).items():
        if category not in CATEGORIES:
            raise RulesError(f"unknown category {category!r}")
        for language, terms in by_language.items():
            for text, weight in terms.items():
                _check_term(text, weight, f"categories.{category}.{language}")
                key = (text, category)
                if key in merged:  # the same term written for two languages is one term
                    old = merged[key]
                    weight = max(old.weight, weight)
                    merged[key] = Term(text, category, weight, (*old.languages, language))
                elif weight:
                    merged[key] = Term(text, category, float(weight), (language,))
    neutral = data.get("neutral") or []
    if not isinstance(neutral, list):
        raise RulesError("neutral must be a list of terms")
    for text in neutral:
        _check_term(text, 0, "neutral")
    version = int(data.get("version", 1))
    return RuleSet(tuple(merged.values()), float(min_score), tie_order, version, tuple(neutral))


@cache
def _default_data() -> dict[str, Any]:
    return json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


@cache
def default_rules() -> RuleSet:
    return _build(_default_data())


def load_rules(overrides: Mapping[str, Any] | None = None, *, replace: bool = False) -> RuleSet:
    """The default rule set with `overrides` merged in (same shape as the default JSON).

    A term given with weight 0 (or null) is removed. `replace=True` ignores the defaults.
    """
    if not overrides:
        return default_rules()
    if replace:
        return _build(_merge({"categories": {}}, overrides))
    return _build(_merge(_default_data(), overrides))


def load_rules_file(path: str | Path, *, replace: bool = False) -> RuleSet:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RulesError(f"cannot read rules from {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"{path}: the rules must be a JSON object")
    return load_rules(data, replace=replace)
