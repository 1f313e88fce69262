"""Loading and scoring the triage corpora (corpus.tsv, holdout.tsv, holdout2.tsv).

See docs/architecture.md#triage. Shared by tests/routing/test_corpus.py and bench/triage.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vigil.routing.triage import TriageHints, TriageResult, triage

HERE = Path(__file__).parent
CORPUS = HERE / "corpus.tsv"
HOLDOUT = HERE / "holdout.tsv"
HOLDOUT2 = HERE / "holdout2.tsv"
COLUMNS = ("id", "language", "category", "urgency", "tone", "vip", "hint", "text")


@dataclass(frozen=True)
class Case:
    id: str
    language: str
    category: str
    urgency: str
    tone: str  # "-", "abusive" or "distressed"
    vip: int
    hint: str | None
    text: str


def load(path: Path = CORPUS) -> list[Case]:
    cases = []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    if tuple(rows[0]) != COLUMNS:
        raise ValueError(f"{path.name}: header must be {COLUMNS}, got {rows[0]}")
    for row in rows[1:]:
        if len(row) != len(COLUMNS):
            raise ValueError(f"{path.name}: row {row[0]} has {len(row)} columns")
        id_, language, category, urgency, tone, vip, hint, text = row
        cases.append(
            Case(
                id_,
                language,
                category,
                urgency,
                tone,
                int(vip),
                None if hint == "-" else hint,
                text.replace("\\n", "\n"),
            )
        )
    return cases


def run(case: Case) -> TriageResult:
    return triage(case.text, vip_tier=case.vip, hints=TriageHints(case.hint))


def tone_of(result: TriageResult) -> str:
    if result.tone.abusive:
        return "abusive"
    return "distressed" if result.tone.distressed else "-"


def predictions(cases: Iterable[Case]) -> list[tuple[Case, TriageResult]]:
    return [(case, run(case)) for case in cases]


@dataclass(frozen=True)
class Axis:
    """Expected vs predicted labels for one decision (language, category, urgency, tone)."""

    name: str
    pairs: tuple[tuple[str, str], ...]

    @property
    def accuracy(self) -> float:
        return sum(e == p for e, p in self.pairs) / len(self.pairs)

    def per_class(self) -> list[tuple[str, int, float, float]]:
        """(label, support, precision, recall) for each label seen."""
        labels = sorted({e for e, _ in self.pairs} | {p for _, p in self.pairs})
        rows = []
        for label in labels:
            tp = sum(1 for e, p in self.pairs if e == label and p == label)
            predicted = sum(1 for _, p in self.pairs if p == label)
            support = sum(1 for e, _ in self.pairs if e == label)
            precision = tp / predicted if predicted else 0.0
            recall = tp / support if support else 0.0
            rows.append((label, support, precision, recall))
        return rows

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter((e, p) for e, p in self.pairs if e != p)


def axes(results: Sequence[tuple[Case, TriageResult]]) -> dict[str, Axis]:
    return {
        "language": Axis("language", tuple((c.language, r.language.code) for c, r in results)),
        "category": Axis("category", tuple((c.category, r.category.category) for c, r in results)),
        "urgency": Axis("urgency", tuple((c.urgency, r.urgency.level) for c, r in results)),
        "tone": Axis("tone", tuple((c.tone, tone_of(r)) for c, r in results)),
    }


def report(title: str, results: Sequence[tuple[Case, TriageResult]]) -> str:
    """A printable report: accuracy, per-class precision/recall, per-language category scores,
    confusions and the misses."""
    lines = [f"== {title}: {len(results)} messages =="]
    all_axes = axes(results)
    for axis in all_axes.values():
        lines.append(f"{axis.name}: {axis.accuracy:.1%}")
        for label, support, precision, recall in axis.per_class():
            lines.append(
                f"  {label:<15} n={support:<4} precision {precision:6.1%}  recall {recall:6.1%}"
            )
        confusion = axis.confusion()
        if confusion:
            pairs = ", ".join(f"{e}→{p} x{n}" for (e, p), n in confusion.most_common())
            lines.append(f"  confusion (expected→got): {pairs}")
    lines.append("category accuracy by language:")
    for language in sorted({c.language for c, _ in results}):
        subset = [(c, r) for c, r in results if c.language == language]
        right = sum(c.category == r.category.category for c, r in subset)
        lines.append(f"  {language:<8} {right}/{len(subset)} = {right / len(subset):.1%}")
    misses = [
        (c, r)
        for c, r in results
        if (c.language, c.category, c.urgency, c.tone)
        != (r.language.code, r.category.category, r.urgency.level, tone_of(r))
    ]
    if misses:
        lines.append("misses:")
    for case, result in misses:
        got = (
            result.language.code,
            result.category.category,
            result.urgency.level,
            tone_of(result),
        )
        want = (case.language, case.category, case.urgency, case.tone)
        lines.append(f"  #{case.id} want {'/'.join(want)} got {'/'.join(got)}: {case.text[:70]}")
    return "\n".join(lines)
