"""Triage on arrival: language, category, urgency, tone and secrets of an inbound message.

See docs/architecture.md#triage. Pure functions over text and data, no database: ingestion calls
`triage()` and records the result (with its reasons) on the ticket. Secrets are found first and
redacted before anything else reads the text, so a seed phrase never feeds the other decisions.

    >>> result = triage("USDT 提现 pending 已经5个小时", vip_tier=0)
    >>> result.language.code, result.category.category, result.urgency.level
    ('zh-hans', 'withdrawal', 'high')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from vigil.routing.triage.category import CategoryResult, Learned, classify, learn_weights
from vigil.routing.triage.language import DEFAULT_SERVED, LanguageResult, detect_language, preload
from vigil.routing.triage.rules import RuleSet, default_rules, load_rules, load_rules_file
from vigil.routing.triage.secrets import SecretFinding, SecretsResult, redact, scan_secrets
from vigil.routing.triage.tone import ToneResult, assess_tone
from vigil.routing.triage.urgency import LEVELS, UrgencyResult, assess_urgency

__all__ = [
    "LEVELS",
    "CategoryResult",
    "LanguageResult",
    "Learned",
    "RuleSet",
    "SecretFinding",
    "SecretsResult",
    "ToneResult",
    "TriageConfig",
    "TriageHints",
    "TriageResult",
    "UrgencyResult",
    "classify",
    "default_rules",
    "learn_weights",
    "load_rules",
    "load_rules_file",
    "preload",
    "triage",
]

# A compromise reads like a login or withdrawal problem; it is a security case.
_COMPROMISE_OVERRIDES = frozenset({"deposit", "withdrawal", "account_access", "trading", "other"})


@dataclass(frozen=True, slots=True)
class TriageHints:
    """What the desk already knows about the sender."""

    preferred_language: str | None = None


@dataclass(frozen=True, slots=True)
class TriageConfig:
    """The desk's triage settings (persisted elsewhere; defaults here)."""

    rules: RuleSet | None = None  # None: the default rule set
    withdrawal_pending_threshold: timedelta = timedelta(hours=2)
    vip_min_tier: int = 1  # a customer at or above this VIP tier gets one priority level more


@dataclass(frozen=True, slots=True)
class TriageResult:
    language: LanguageResult
    category: CategoryResult
    urgency: UrgencyResult
    tone: ToneResult
    secrets: SecretsResult
    redacted_subject: str

    @property
    def redacted_text(self) -> str:
        return self.secrets.redacted_text

    @property
    def needs_security(self) -> bool:
        """Flag for the security team: a secret was shared or the account looks compromised."""
        return bool(self.secrets.findings) or self.urgency.compromise

    def summary(self) -> dict[str, object]:
        """A JSON-ready record of every decision and its reason, for the ticket."""
        return {
            "language": self.language.code,
            "language_reason": self.language.reason,
            "category": self.category.category,
            "category_confidence": self.category.confidence,
            "category_reason": self.category.reason,
            "priority": self.urgency.level,
            "priority_bump": self.urgency.bump,
            "urgency_reasons": list(self.urgency.reasons),
            "abusive": self.tone.abusive,
            "distressed": self.tone.distressed,
            "tone_reasons": list(self.tone.reasons),
            "secrets": [
                {
                    "kind": f.kind,
                    "field": f.field,
                    "start": f.start,
                    "end": f.end,
                    "detail": f.detail,
                }
                for f in self.secrets.findings
            ],
            "needs_security": self.needs_security,
        }


def triage(
    text: str,
    *,
    subject: str = "",
    vip_tier: int = 0,
    served_languages: Sequence[str] = DEFAULT_SERVED,
    now: datetime | None = None,
    hints: TriageHints | None = None,
    config: TriageConfig | None = None,
) -> TriageResult:
    """Triage one inbound message. Pure: the same input gives the same result."""
    hints = hints or TriageHints()
    config = config or TriageConfig()
    secrets = scan_secrets(text)
    subject_secrets = scan_secrets(subject) if subject else None
    clean_text = redact(text, secrets.findings, blank=True)
    clean_subject = redact(subject, subject_secrets.findings, blank=True) if subject_secrets else ""
    language = detect_language(
        clean_text,
        served=served_languages,
        hint=hints.preferred_language,
        subject=clean_subject,
    )
    category = classify(clean_text, subject=clean_subject, rules=config.rules or default_rules())
    combined = f"{clean_subject}\n{clean_text}" if clean_subject else clean_text
    urgency = assess_urgency(
        combined,
        category=category.category,
        vip_tier=vip_tier,
        pending_threshold=config.withdrawal_pending_threshold,
        vip_min_tier=config.vip_min_tier,
        now=now,
    )
    if urgency.compromise and category.category in _COMPROMISE_OVERRIDES:
        category = CategoryResult(
            "security",
            max(category.confidence, 0.7),
            f"account compromise signs override {category.category}; {category.reason}",
            category.matched,
            category.scores,
        )
    if subject_secrets and subject_secrets.findings:
        in_subject = tuple(replace(f, field="subject") for f in subject_secrets.findings)
        secrets = SecretsResult(secrets.findings + in_subject, secrets.redacted_text)
    redacted_subject = subject_secrets.redacted_text if subject_secrets else subject
    return TriageResult(
        language, category, urgency, assess_tone(combined), secrets, redacted_subject
    )
