"""The triage corpus: at least 200 labelled messages, >= 95% language, >= 85% category.

See docs/architecture.md#triage. Each test prints its per-class report (run with -s, or read it
in the output of a failure). The hold-out sets measure how the rules do on messages they were
not tuned on; their floors are lower on purpose and say so.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.routing import corpus
from vigil.routing.triage.rules import CATEGORIES


@pytest.fixture(scope="module")
def results():
    return corpus.predictions(corpus.load(corpus.CORPUS))


def test_corpus_is_big_varied_and_labelled_with_known_values():
    cases = corpus.load(corpus.CORPUS)
    assert len(cases) >= 200
    assert len({c.id for c in cases}) == len(cases)
    by_language = Counter(c.language for c in cases)
    assert set(by_language) == {"en", "zh-hans", "zh-hant", "ja"}
    assert min(by_language.values()) >= 40
    assert set(c.category for c in cases) == set(CATEGORIES)
    for language in by_language:  # every category in every language, near enough
        seen = {c.category for c in cases if c.language == language}
        assert len(seen) >= 8, (language, set(CATEGORIES) - seen)
    urgencies = Counter(c.urgency for c in cases)
    assert set(urgencies) == {"low", "normal", "high", "urgent"}
    assert urgencies["urgent"] >= 20 and urgencies["high"] >= 20
    assert {c.tone for c in cases} == {"-", "abusive", "distressed"}
    assert any(c.hint for c in cases), "some messages only make sense with a preferred language"


def test_corpus_scores(results, capsys):
    text = corpus.report("corpus.tsv", results)
    with capsys.disabled():
        print("\n" + text)
    scores = {name: axis.accuracy for name, axis in corpus.axes(results).items()}
    assert scores["language"] >= 0.95, text
    assert scores["category"] >= 0.85, text
    # Not asked for by the issue; floors so that a regression shows.
    assert scores["urgency"] >= 0.90, text
    assert scores["tone"] >= 0.90, text


def test_distressed_is_never_abusive_in_the_corpus(results):
    for case, result in results:
        if case.tone == "distressed":
            assert not result.tone.abusive, case.text


def test_no_corpus_message_is_mistaken_for_a_secret(results):
    flagged = [(c.id, r.secrets.findings) for c, r in results if r.secrets.findings]
    assert flagged == []


@pytest.mark.parametrize(
    ("path", "language_floor", "category_floor"),
    [
        # holdout.tsv scored 55% on category on first contact; it then drove one round of
        # vocabulary additions, so it is no longer unseen.
        (corpus.HOLDOUT, 0.95, 0.85),
        # holdout2.tsv was scored once and never tuned on (first and only score: 76.7%
        # category). The floor guards against regressions; it is not a target.
        (corpus.HOLDOUT2, 0.95, 0.70),
    ],
    ids=["holdout", "holdout2"],
)
def test_holdout_scores(path, language_floor, category_floor, capsys):
    results = corpus.predictions(corpus.load(path))
    text = corpus.report(path.name, results)
    with capsys.disabled():
        print("\n" + text)
    scores = {name: axis.accuracy for name, axis in corpus.axes(results).items()}
    assert scores["language"] >= language_floor, text
    assert scores["category"] >= category_floor, text
