"""The fixture corpus drives these tests: every .eml must meet its .expected.json.

Besides one test per fixture, a summary test reports accuracy per category and per field
(visible text, subject, sender, automatic verdict, attachments, charsets) and requires 100%.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.channels.email.corpus import Case, check, load_cases

CASES = load_cases()
REQUIRED_CATEGORIES = {
    "reply",
    "html_only",
    "inline_images",
    "attachments",
    "forwarded",
    "bounce",
    "out_of_office",
    "list",
    "loop",
    "broken",
    "charsets",
    "new_mail",
}


def test_corpus_is_large_and_covers_every_category() -> None:
    assert len(CASES) >= 120
    categories = Counter(str(c.expected["category"]) for c in CASES)
    assert set(categories) >= REQUIRED_CATEGORIES, categories
    languages = {
        lang for c in CASES for lang in ("en", "zh-hans", "zh-hant", "ja") if lang in c.name
    }
    assert languages == {"en", "zh-hans", "zh-hant", "ja"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture(case: Case) -> None:
    problems = check(case)
    assert not problems, "\n".join(problems)


def test_accuracy_per_category(capsys: pytest.CaptureFixture[str]) -> None:
    totals: Counter[str] = Counter()
    good: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    for case in CASES:
        category = str(case.expected["category"])
        problems = check(case)
        totals[category] += 1
        good[category] += not problems
        fields.update(p.split(":", 1)[0] for p in problems)
    with capsys.disabled():
        print("\ne-mail corpus accuracy per category:")
        for category in sorted(totals):
            share = good[category] / totals[category]
            print(f"  {category:<14} {good[category]:>3}/{totals[category]:<3} {share:6.1%}")
        if fields:
            print("  failing fields:", dict(fields))
    assert good == totals, dict(fields)
