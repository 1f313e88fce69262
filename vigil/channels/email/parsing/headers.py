"""Tolerant decoding of mail header values. See docs/architecture.md#e-mail.

Works on the raw header value as the stdlib parser stores it (8-bit bytes kept as surrogate
escapes), so a header that `policy.default` would choke on still decodes: raw 8-bit text in
GBK or Shift_JIS, RFC 2047 encoded-words split in the middle of a multibyte character,
unknown charsets, missing padding, encoded-words glued together or inside quotes.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import quopri
import re
from datetime import UTC, datetime

from vigil.channels.email.charsets import decode_bytes

_ENCODED_WORD = re.compile(
    r"=\?(?P<charset>[^?\s]{1,60})\?(?P<enc>[bBqQ])\?(?P<text>[^?]*?)\?=",
)
_ENCODED_WORD_OPEN = re.compile(r"=\?(?P<charset>[^?\s]{1,60})\?(?P<enc>[bBqQ])\?(?P<text>[^?]*)$")
_FOLD = re.compile(r"\r?\n[ \t]+")
_ADDR_FALLBACK = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_MSGID = re.compile(r"<([^<>\s]+)>")


def raw_bytes(value: str) -> bytes:
    """The original bytes of a header value as the parser stored it (raw 8-bit bytes are kept
    as surrogate escapes; real non-ASCII characters become UTF-8)."""
    return value.encode("utf-8", "surrogateescape")


def header_text(value: str | None, *, hint: str | None = None) -> str:
    """Decode a raw header value to text: 8-bit bytes by `hint`/detection, then encoded-words,
    then unfolding. Never raises."""
    if value is None:
        return ""
    try:
        text = eight_bit(value, hint)
        text = _FOLD.sub(" ", text).replace("\r", "").replace("\n", " ")
        return decode_encoded_words(text).strip()
    except Exception:  # last resort: the value as stored
        return value.encode("utf-8", "replace").decode("utf-8", "replace").strip()


def eight_bit(value: str, hint: str | None) -> str:
    if value.isascii():
        return value
    return decode_bytes(raw_bytes(value), hint).text


def decode_encoded_words(text: str) -> str:
    """Decode RFC 2047 encoded-words, joining adjacent words of one charset before decoding
    so a multibyte character split across two words survives."""
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: list[tuple[str, bytes]] = []
    pos = 0
    for m in _ENCODED_WORD.finditer(text):
        between = text[pos : m.start()]
        if between.strip() or not pending:
            _flush(pending, out)
            out.append(between)
        pending.append((m.group("charset"), _word_bytes(m.group("enc"), m.group("text"))))
        pos = m.end()
    tail = text[pos:]
    if opened := _ENCODED_WORD_OPEN.search(tail):  # a last word that lost its "?="
        _flush(pending, out)
        out.append(tail[: opened.start()])
        pending.append((opened.group("charset"), _word_bytes(opened["enc"], opened["text"])))
        tail = ""
    _flush(pending, out)
    out.append(tail)
    return "".join(out)


def _flush(pending: list[tuple[str, bytes]], out: list[str]) -> None:
    """Decode runs of same-charset words as one byte string."""
    run_charset: str | None = None
    run = b""
    for charset, data in pending:
        base = charset.split("*", 1)[0].lower()
        if run_charset is not None and base != run_charset:
            out.append(decode_bytes(run, run_charset).text)
            run = b""
        run_charset = base
        run += data
    if run_charset is not None:
        out.append(decode_bytes(run, run_charset).text)
    pending.clear()


def _word_bytes(enc: str, payload: str) -> bytes:
    if enc in "bB":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return payload.encode("ascii", "replace")
    return quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=False)


def parse_addresses(value: str | None, *, hint: str | None = None) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs of an address-list header; never raises."""
    if not value:
        return []
    text = _FOLD.sub(" ", eight_bit(value, hint)).replace("\r", " ").replace("\n", " ")
    pairs: list[tuple[str, str]] = []
    try:
        parsed = email.utils.getaddresses([text])
    except Exception:
        parsed = []
    for name, addr in parsed:
        addr = addr.strip().strip("<>").lower()
        if "@" not in addr:
            continue
        pairs.append((_clean_name(decode_encoded_words(name)), addr))
    if not pairs:
        for addr in _ADDR_FALLBACK.findall(text):
            pairs.append(("", addr.lower()))
    return pairs


def _clean_name(name: str) -> str:
    name = name.strip().strip('"').strip("'").strip()
    return re.sub(r"\s+", " ", name)


def message_ids(value: str | None) -> list[str]:
    """The Message-IDs of a Message-ID / In-Reply-To / References value, without brackets,
    in order and without duplicates. A bare id without brackets is accepted. An id with
    non-ASCII bytes (RFC 6532 UTF-8, or raw 8-bit) is kept exactly, in ASCII: see
    `ascii_id`."""
    if not value:
        return []
    text = _FOLD.sub(" ", value)
    found = _MSGID.findall(text)
    if not found:
        found = [tok for tok in text.split() if "@" in tok]
    seen: list[str] = []
    for item in found:
        item = ascii_id(item.strip().strip("<>"))
        if item and item not in seen:
            seen.append(item)
    return seen


def ascii_id(value: str) -> str:
    """An id with every non-ASCII byte percent-encoded (and then "%" itself as %25): a
    different id stays different, the same bytes always give the same text, and the result
    is plain ASCII, fit for a database key and for the References of the desk's replies.
    ASCII ids are returned unchanged. Raw 8-bit bytes (surrogate escapes) count as bytes,
    real characters by their UTF-8 bytes."""
    if value.isascii():
        return value
    data = value.encode("utf-8", "surrogateescape")
    return "".join(chr(b) if b < 0x80 and b != 0x25 else f"%{b:02X}" for b in data)


def parse_date(value: str | None) -> datetime | None:
    """An aware UTC datetime from a Date header; None when it cannot be read."""
    if not value:
        return None
    text = _FOLD.sub(" ", value).strip()
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    try:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
