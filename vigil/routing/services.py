"""Triage on arrival, recorded on the ticket with reasons. See docs/architecture.md#triage.

`ticket_triage` runs inside ingestion's transaction for every inbound message. On a new ticket
it decides language, category, priority (urgency, VIP tier, a withdrawal pending too long),
tone and secrets, and writes each decision with its reason into `Ticket.triage`; a value the
channel supplied (a language or category the customer chose, a priority an API client set)
wins over detection, and the reason says so. On a later message it re-checks urgency (raising
the priority, never lowering it), tone and secrets. Secrets are redacted in the stored message
(`redaction.py`) and the customer gets the security notice once per ticket (`notices.py`).

Rule sets: `category_rules_learn` builds a new CategoryRuleSet version from the rules in force
and agents' corrections; `category_rules_import` stores one given as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max

from vigil.accounts.models import Agent
from vigil.core.errors import ValidationFailed
from vigil.core.events import publish_on_commit
from vigil.routing.models import CategoryRuleSet
from vigil.routing.notices import security_notice_queue
from vigil.routing.redaction import message_redact
from vigil.routing.selectors import (
    RULES_VERSION_KEY,
    VERSION_TTL,
    category_corrections,
    category_rules_active,
    require_rules_editor,
    rules_from_data,
)
from vigil.routing.triage import LEVELS, TriageConfig, TriageHints, TriageResult, triage
from vigil.routing.triage.category import learn_weights
from vigil.routing.triage.rules import RulesError
from vigil.routing.triage.secrets import SecretsResult
from vigil.routing.triage.tone import ToneResult, assess_tone
from vigil.routing.triage.urgency import assess_urgency
from vigil.tickets.choices import ActivityKind, Category
from vigil.tickets.content import preview
from vigil.tickets.models import Message, Tag, Ticket
from vigil.tickets.services import activity_add, ticket_updated_event

if TYPE_CHECKING:
    from vigil.tickets.ingestion import InboundMessage

ABUSIVE_TAG = "abusive"
SENIOR = "senior"
MAX_UPDATES = 20  # later messages' triage changes kept in Ticket.triage["updates"]
CORRECTION_TEXT_CHARS = 4000
CONFIG = TriageConfig()


@dataclass(frozen=True, slots=True)
class _Chosen:
    """What the channel said, which wins over detection."""

    channel: str
    language: str = ""
    category: str = ""
    priority: int | None = None


def _chosen(inbound: InboundMessage | None, channel: str) -> _Chosen:
    if inbound is None:
        return _Chosen(channel)
    detected = (inbound.metadata or {}).get("language_source") == "detected"
    return _Chosen(
        channel,
        language="" if detected else inbound.language,
        # "other" is what a form sends when the customer picked nothing: not a choice.
        category="" if inbound.category == Category.OTHER else inbound.category,
        priority=inbound.priority,
    )


def ticket_triage(
    *,
    ticket: Ticket,
    message: Message,
    created: bool,
    inbound: InboundMessage | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Triage `message` (just stored, inbound) of `ticket` and record the decisions on the
    ticket in memory. Returns the Ticket fields changed: the caller writes them (ingestion does,
    with its own statements, in its transaction). Redaction, tags, activities, events and the
    security notice are written here."""
    chosen = _chosen(inbound, message.channel)
    customer = message.author_customer or ticket.customer
    vip_tier = int(getattr(customer, "vip_tier", 0) or 0)
    if created:
        return _triage_new(ticket, message, chosen, vip_tier=vip_tier, now=now)
    return _triage_later(ticket, message, vip_tier=vip_tier, now=now)


def _triage_new(
    ticket: Ticket, message: Message, chosen: _Chosen, *, vip_tier: int, now: datetime | None
) -> list[str]:
    version, rules = category_rules_active()
    customer = message.author_customer or ticket.customer
    hints = TriageHints(preferred_language=getattr(customer, "preferred_language", "") or None)
    config = TriageConfig(
        rules=rules, withdrawal_pending_threshold=CONFIG.withdrawal_pending_threshold
    )
    result = triage(
        message.text,
        subject=message.subject,
        vip_tier=vip_tier,
        now=now,
        hints=hints,
        config=config,
    )
    record: dict[str, Any] = dict(ticket.triage or {})
    record["language"] = _language(ticket, result, chosen)
    record["category"] = _category(ticket, result, chosen, version)
    record["priority"] = _priority(ticket, result, chosen)
    fields = ["language", "category", "priority", "triage"]
    fields += _tone_apply(ticket, record, result.tone)
    text_only = tuple(f for f in result.secrets.findings if f.field == "text")
    text_scan = SecretsResult(text_only, result.secrets.redacted_text)
    fields += _secrets_apply(ticket, message, record, text_scan, created=True)
    ticket.triage = record
    return list(dict.fromkeys(fields))


def _language(ticket: Ticket, result: TriageResult, chosen: _Chosen) -> dict[str, Any]:
    detected = result.language
    if chosen.language and ticket.language:
        reason = f"chosen on the {chosen.channel} channel (detected: {detected.code})"
        return {"value": ticket.language, "reason": reason, "source": "channel"}
    ticket.language = detected.code
    return {
        "value": detected.code,
        "reason": detected.reason,
        "confidence": round(detected.confidence, 2),
        "source": "detected",
    }


def _category(
    ticket: Ticket, result: TriageResult, chosen: _Chosen, version: int
) -> dict[str, Any]:
    detected = result.category
    entry: dict[str, Any] = {"rules_version": version, "detected": detected.category}
    if chosen.category:
        reason = f"chosen on the {chosen.channel} channel (detected: {detected.category})"
        entry.update(value=chosen.category, reason=reason, source="channel")
        ticket.category = chosen.category
        return entry
    ticket.category = detected.category if detected.category in Category.values else "other"
    entry.update(
        value=ticket.category,
        reason=detected.reason,
        confidence=detected.confidence,
        source="detected",
    )
    return entry


def _priority(ticket: Ticket, result: TriageResult, chosen: _Chosen) -> dict[str, Any]:
    urgency = result.urgency
    why = "; ".join(urgency.reasons) or "no urgency signs"
    if chosen.priority is not None:
        ticket.priority = chosen.priority
        level = LEVELS[chosen.priority - 1]
        reason = f"set on the {chosen.channel} channel (detected: {urgency.level}: {why})"
        return {"value": level, "reason": reason, "source": "channel"}
    ticket.priority = urgency.priority
    return {"value": urgency.level, "reason": why, "source": "detected"}


def _tone_apply(ticket: Ticket, record: dict[str, Any], tone: ToneResult) -> list[str]:
    """Abusive: a tag and a reason (handled by policy). Distressed: a senior agent."""
    value = "distressed" if tone.distressed else "abusive" if tone.abusive else ""
    if not value:
        record.setdefault("tone", {"value": "", "reason": "no abuse or distress cues"})
        return []
    fields: list[str] = []
    reason = "; ".join(tone.reasons)
    if tone.abusive:
        reason += "; tagged abusive: handled by the abusive-messages policy"
        ticket.tags.add(Tag.objects.get_or_create(name=ABUSIVE_TAG)[0])
    if tone.distressed:
        reason += "; a senior agent (tier 2+) should take it"
        record["route_hint"] = SENIOR
    # Distress outranks abuse: the person needs care first.
    if ticket.tone != "distressed" and ticket.tone != value:
        ticket.tone = value
        fields.append("tone")
    record["tone"] = {"value": ticket.tone, "reason": reason, "abusive": tone.abusive}
    return fields


def _secrets_apply(
    ticket: Ticket,
    message: Message,
    record: dict[str, Any],
    text_scan: SecretsResult | None,
    *,
    created: bool,
) -> list[str]:
    """Redact the stored message, flag the ticket, tell the customer (once per ticket)."""
    redacted = message_redact(message=message, text_scan=text_scan)
    if redacted is None:
        record.setdefault("secrets", {"value": [], "reason": "none found"})
        return []
    fields = ["security_flag", "triage"]
    ticket.security_flag = True
    if created:  # the ticket's subject is the message's, or the start of its text
        ticket.subject = message.subject or preview(message.text, 80) or "(no subject)"
        fields.append("subject")
    entry = dict(record.get("secrets") or {})
    kinds = sorted({*entry.get("value", []), *redacted.kinds})
    entry.update(value=kinds, reason=redacted.reason)
    if not entry.get("notice_message_id"):
        notice = security_notice_queue(ticket=ticket, language=ticket.language)
        entry["notice_message_id"] = notice.pk if notice else None
        if notice is None:
            entry["reason"] += "; the customer cannot be reached: no security notice sent"
        else:
            entry["reason"] += "; security notice sent to the customer"
    record["secrets"] = entry
    return fields


# -- later messages --------------------------------------------------------------------------


def _triage_later(
    ticket: Ticket, message: Message, *, vip_tier: int, now: datetime | None
) -> list[str]:
    record: dict[str, Any] = dict(ticket.triage or {})
    fields = _secrets_apply(ticket, message, record, None, created=False)
    update: dict[str, Any] = {"message_id": message.pk}
    if fields:
        update["secrets"] = record["secrets"]["value"]
    # message_redact left the stored text without the secret: the decisions read that.
    clean = f"{message.subject}\n{message.text}" if message.subject else message.text
    urgency = assess_urgency(
        clean,
        category=ticket.category,
        vip_tier=vip_tier,
        pending_threshold=CONFIG.withdrawal_pending_threshold,
        vip_min_tier=CONFIG.vip_min_tier,
        now=now,
    )
    tone = assess_tone(clean)
    changes: dict[str, list[Any]] = {}
    if urgency.priority > ticket.priority:
        before = ticket.priority
        ticket.priority = urgency.priority
        reason = f"raised by message {message.pk}: " + "; ".join(urgency.reasons)
        record["priority"] = {"value": urgency.level, "reason": reason, "source": "detected"}
        update["priority"] = urgency.level
        changes["priority"] = [LEVELS[before - 1], urgency.level]
        fields += ["priority", "triage"]
    if tone.abusive or tone.distressed:
        before_tone = ticket.tone
        fields += [*_tone_apply(ticket, record, tone), "triage"]
        update["tone"] = record["tone"]["value"]
        if ticket.tone != before_tone:
            changes["tone"] = [before_tone, ticket.tone]
    if len(update) > 1:
        record["updates"] = [*record.get("updates", []), update][-MAX_UPDATES:]
        ticket.triage = record
        _changes_record(ticket, changes)
    return list(dict.fromkeys(fields))


def _changes_record(ticket: Ticket, changes: dict[str, list[Any]]) -> None:
    if not changes:
        return
    if "priority" in changes:
        before, after = changes["priority"]
        activity_add(
            ticket=ticket,
            kind=ActivityKind.PRIORITY,
            data={"from": before, "to": after, "by": "triage"},
        )
    publish_on_commit(ticket_updated_event(ticket=ticket, changes=changes, actor=None))


# -- corrections and rule sets --------------------------------------------------------------


def category_correction(*, ticket: Ticket) -> dict[str, Any]:
    """What `ticket_update` records with an agent's category change, for learning: the
    ticket's first customer message (already redacted) and what triage had detected."""
    first = (
        Message.objects.filter(ticket=ticket, direction="inbound")
        .order_by("created_at", "id")
        .values_list("subject", "text")
        .first()
    )
    subject, text = first if first else ("", "")
    combined = f"{subject}\n{text}" if subject else text
    detected = ((ticket.triage or {}).get("category") or {}).get("detected")
    return {"text": combined[:CORRECTION_TEXT_CHARS], "detected": detected}


def _version_publish(version: int) -> None:
    cache.set(RULES_VERSION_KEY, version, VERSION_TTL)


def _rules_store(
    *, data: dict[str, Any], actor: Agent | None, source: str, corrections: int = 0
) -> CategoryRuleSet:
    with transaction.atomic():
        newest = CategoryRuleSet.objects.select_for_update().aggregate(v=Max("version"))["v"]
        version = (newest or 0) + 1
        data = {**data, "version": version}
        row = CategoryRuleSet.objects.create(
            version=version,
            rules=data,
            source=source,
            corrections=corrections,
            created_by=actor,
        )
        transaction.on_commit(lambda: _version_publish(version))
    return row


@dataclass(frozen=True, slots=True)
class LearnResult:
    rule_set: CategoryRuleSet
    corrections: int
    mistakes: int  # corrections the rules in force still got wrong
    changes: int  # term weights changed or added


def category_rules_learn(*, actor: Agent | None) -> LearnResult:
    """A new rule set version: the rules in force adjusted by agents' corrections."""
    require_rules_editor(actor)
    _version, rules = category_rules_active()
    corrections = category_corrections()
    pairs = [(c.text, c.after) for c in corrections if c.after in Category.values]
    learned = learn_weights(rules, pairs, add_terms=True, epochs=3)
    row = _rules_store(
        data=learned.rules.to_dict(), actor=actor, source="learned", corrections=len(pairs)
    )
    return LearnResult(row, len(pairs), learned.mistakes, len(learned.changes))


def category_rules_import(*, data: Any, actor: Agent | None) -> CategoryRuleSet:
    """Store `data` (the export format: a complete rule set) as the newest version."""
    require_rules_editor(actor)
    if not isinstance(data, dict):
        raise ValidationFailed("the rules must be a JSON object")
    try:
        rules = rules_from_data(data)
    except (RulesError, TypeError, ValueError) as exc:
        raise ValidationFailed(f"unusable rules: {exc}") from exc
    return _rules_store(data=rules.to_dict(), actor=actor, source="admin")
