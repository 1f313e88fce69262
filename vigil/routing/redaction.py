"""Secrets out of a stored message. See docs/architecture.md#triage.

A seed phrase, private key or API secret found in an inbound message is replaced by a marker
("[redacted: seed phrase]") in everything agents see and search reads: the subject, the text,
the full text and the HTML (when the HTML still shows a secret after redaction, it is dropped
and the text stands in). The bytes as received (`Message.raw`, the .eml) are not kept: after
the commit the file is overwritten by a short tombstone under the same content-addressed name
(so a re-delivery of the same bytes does not store them again) and the message no longer
points to it. Attachments are left as they are and the reason says how many were not scanned.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db.transaction import on_commit

from vigil.routing.triage.secrets import LABELS, SecretsResult, scan_secrets
from vigil.tickets.content import html_to_text
from vigil.tickets.models import Attachment, Message

TOMBSTONE = (
    b"Vigil did not keep this message as received: it contained a secret (a recovery phrase, "
    b"private key or API secret). The stored message has it redacted.\r\n"
)
_NAMES = {"seed_phrase": "seed phrase", "private_key": "private key", "api_secret": "API secret"}


@dataclass(frozen=True, slots=True)
class Redacted:
    kinds: tuple[str, ...]
    reason: str
    subject_changed: bool


def message_redact(*, message: Message, text_scan: SecretsResult | None = None) -> Redacted | None:
    """Redact `message` (stored, inbound) in the database and in memory; None when it holds no
    secret. `text_scan` is a scan of `message.text` done already, if any."""
    full = scan_secrets(message.full_text) if message.full_text else None
    if text_scan is None:
        # The text is the visible part of the full text: when that is clean, so is the text.
        clean = full is not None and not full.findings
        text_scan = SecretsResult((), message.text) if clean else scan_secrets(message.text)
    scans = {
        "subject": scan_secrets(message.subject) if message.subject else None,
        "text": text_scan,
        "full text": full,
    }
    hits = {where: scan for where, scan in scans.items() if scan and scan.findings}
    if not hits:
        return None
    values: dict[str, object] = {}
    for where, field in (("subject", "subject"), ("text", "text"), ("full text", "full_text")):
        if where in hits:
            values[field] = (
                hits[where].redacted_text[:300] if field == "subject" else hits[where].redacted_text
            )
    notes = []
    if message.html:
        html = scan_secrets(message.html).redacted_text
        if scan_secrets(html_to_text(html)).findings:
            html = ""
            notes.append("HTML dropped (the secret was split by markup)")
        values["html"] = html
    if message.raw and message.raw.name:
        name = message.raw.name
        on_commit(lambda: _tombstone(name))
        values["raw"] = ""
        notes.append("the message as received (raw bytes) not kept")
    kinds = tuple(dict.fromkeys(f.kind for scan in hits.values() for f in scan.findings))
    values["metadata"] = {**(message.metadata or {}), "redacted": list(kinds)}
    for field, value in values.items():
        setattr(message, field, value)
    Message.objects.filter(pk=message.pk).update(**values)
    attachments = Attachment.objects.filter(message_id=message.pk).count()
    if attachments:
        notes.append(f"{attachments} attachment(s) kept as sent, not scanned")
    found = ", ".join(
        f"{_NAMES.get(kind, kind)} in the {where}"
        for where, scan in hits.items()
        for kind in scan.kinds
    )
    reason = f"{found}: redacted as {', '.join(LABELS[k] for k in kinds)}"
    if notes:
        reason += "; " + "; ".join(notes)
    return Redacted(kinds, reason, "subject" in hits)


def _tombstone(name: str) -> None:
    storage = Message.raw.field.storage
    storage.delete(name)
    storage.save(name, ContentFile(TOMBSTONE))
