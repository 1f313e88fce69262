"""How e-mail finds its ticket. See docs/architecture.md#e-mail.

Three clues, strongest first:

1. In-Reply-To / References naming a Message-ID the desk sent or received (each stored as a
   `ThreadKey` of the support account).
2. The ticket token in the subject, `[#VG-123]`.
3. The token in a plus-addressed recipient, `support+VG-123@exchange.com` (the Reply-To of
   every mail the desk sends).

A token alone is a claim anyone can type, so it only threads a mail whose sender is the
ticket's customer or one of its participants; a stranger quoting a ticket number gets a
ticket of their own.

The desk's own Message-IDs are `<vg.<message id>.<hmac>@<support domain>>`: recognisable
without a database look-up, and unforgeable without the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence

from django.conf import settings

from vigil.tickets.models import TICKET_PREFIX

_PREFIX = re.escape(TICKET_PREFIX.rstrip("-"))
SUBJECT_TOKEN = re.compile(rf"\[#\s*{_PREFIX}-(\d{{1,12}})\s*\]", re.IGNORECASE)
PLUS_TOKEN = re.compile(rf"^[^@+]+\+{_PREFIX}-(\d{{1,12}})@", re.IGNORECASE)
OWN_ID = re.compile(r"^vg\.(\d{1,18})\.([0-9a-f]{16})@", re.IGNORECASE)
MAX_KEYS = 30
# "Re:", "AW:", "回复:" ... (a full-width colon too) at the start of a subject.
_REPLY_PREFIX = re.compile(r"^(?:(?:re|aw|sv|fw|fwd|回复|回覆|答复)\s*[:\uff1a]\s*)+", re.I)


def _signature(message_pk: int) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"message-id:{message_pk}".encode(), hashlib.sha256).hexdigest()[:16]


def outbound_message_id(*, message_pk: int, domain: str) -> str:
    """The Message-ID (without angle brackets) of the desk's mail for message `message_pk`:
    the same on every retry, so a re-sent reply is recognisably the same mail."""
    return f"vg.{message_pk}.{_signature(message_pk)}@{domain or 'vigil.invalid'}"


def own_message_pk(message_id: str) -> int | None:
    """The outbound message a Message-ID of ours names, or None if it is not ours."""
    match = OWN_ID.match(message_id.strip().strip("<>"))
    if match is None:
        return None
    pk = int(match.group(1))
    return pk if hmac.compare_digest(match.group(2).lower(), _signature(pk)) else None


def is_own_message_id(message_id: str) -> bool:
    return own_message_pk(message_id) is not None


def reference_keys(*, in_reply_to: str | None, references: Sequence[str]) -> list[str]:
    """Message-IDs that may name the ticket, best first: the direct parent, then the
    references from the newest back to the thread's root."""
    keys = [in_reply_to, *reversed(references)]
    return list(dict.fromkeys(k.strip("<>") for k in keys if k and k.strip("<>")))[:MAX_KEYS]


def subject_ticket_pk(subject: str) -> int | None:
    match = SUBJECT_TOKEN.search(subject or "")
    return int(match.group(1)) if match else None


def address_ticket_pk(addresses: Iterable[str]) -> int | None:
    for address in addresses:
        match = PLUS_TOKEN.match(address.strip().lower())
        if match:
            return int(match.group(1))
    return None


def base_address(address: str) -> str:
    """support+VG-12@x.com -> support@x.com (any +tag), lower-cased."""
    local, _, domain = address.strip().lower().rpartition("@")
    if not local:
        return address.strip().lower()
    return f"{local.split('+', 1)[0]}@{domain}"


def plus_address(address: str, reference: str) -> str:
    """support@x.com + VG-12 -> support+VG-12@x.com: replies to it carry the ticket."""
    local, _, domain = address.rpartition("@")
    return f"{local.split('+', 1)[0]}+{reference}@{domain}" if local else address


def subject_with_token(subject: str, reference: str, *, reply: bool) -> str:
    """`Re: <subject> [#VG-12]`, keeping one token and one Re:."""
    clean = SUBJECT_TOKEN.sub("", subject or "").strip()
    clean = _REPLY_PREFIX.sub("", clean).strip()
    prefix = "Re: " if reply else ""
    return f"{prefix}{clean} [#{reference}]".strip()
