"""`parse_message`: raw mail bytes to a `ParsedEmail`. See docs/architecture.md#e-mail.

The MIME tree is read with the stdlib parser under `policy.default` (memoizing the parsed
header values, see `_DefaultPolicy`); if that raises on a broken mail the same bytes are
read again under `compat32`, and if even that fails the bytes are decoded as one text body.
Header values are always taken raw (`raw_items`) and decoded by `headers.header_text`, which
tolerates what the stdlib header classes reject. The result is never an exception: what was
wrong is listed in `defects`.
"""

from __future__ import annotations

import base64
import binascii
import email.message
import functools
import io
import mimetypes
import re
from collections.abc import Callable
from email import policy
from email.generator import BytesGenerator
from email.message import Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from typing import Any

from vigil.channels.email.charsets import decode_bytes
from vigil.channels.email.parsing.headers import (
    decode_encoded_words,
    eight_bit,
    header_text,
    message_ids,
    parse_addresses,
    parse_date,
    raw_bytes,
)
from vigil.channels.email.parsing.html import html_to_text
from vigil.channels.email.parsing.model import (
    Address,
    Attachment,
    CharsetInfo,
    ForwardedMessage,
    ParsedEmail,
)

MAX_DEPTH = 12  # nested multiparts / forwarded mails followed before giving up
MAX_FORWARD_DEPTH = 3


class _DefaultPolicy(EmailPolicy):
    """`policy.default`, its header objects memoized. The stdlib parses a header value again
    (and builds a new header class) on every access: the feed parser alone reads each part's
    Content-Type three times. A parsed header is an immutable str, the same for the same
    (name, value), so the results are kept in a bounded cache; behaviour is unchanged."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if hasattr(value, "name"):
            return value
        return _header_parsed(name, value)


DEFAULT_POLICY = _DefaultPolicy()


@functools.lru_cache(maxsize=2048)
def _header_parsed(name: str, value: str) -> Any:
    return EmailPolicy.header_fetch_parse(DEFAULT_POLICY, name, value)


class _PartInfo:
    """Content-Type / Content-Disposition of one part, read from its raw headers through a
    throw-away compat32 message, which parses parameters (RFC 2231 included) leniently."""

    def __init__(self, part: Message, hint: str | None) -> None:
        raw = {k.lower(): v for k, v in reversed(list(part.raw_items()))}
        probe = email.message.Message()
        for name in ("content-type", "content-disposition"):
            if name in raw:
                probe[name] = _one_line(eight_bit(raw[name], hint))
        self.content_type = _safe(probe.get_content_type, "text/plain").lower()
        ctype, disp = _params(probe, "content-type"), _params(probe, "content-disposition")
        self.charset = _param(ctype, "charset", hint)
        self.report_type = (_param(ctype, "report-type", hint) or "").lower()
        disposition = (raw.get("content-disposition") or "").split(";", 1)[0].strip().lower()
        self.disposition = disposition
        self.filename = _param(disp, "filename", hint) or _param(ctype, "name", hint)
        cid = message_ids(raw.get("content-id")) or [
            (raw.get("content-id") or "").strip().strip("<>")
        ]
        self.content_id = cid[0] or None
        self.cte = (raw.get("content-transfer-encoding") or "").strip().lower()


def _one_line(value: str) -> str:
    return re.sub(r"\r?\n[ \t]*", " ", value).replace("\r", " ").replace("\n", " ")


def _safe(fn: Callable[[], str], default: str) -> str:
    try:
        return fn()
    except Exception:
        return default


def _params(probe: Message, header: str) -> dict[str, Any]:
    """A header's parameters by lower-cased name, the first of each (what `get_param` would
    return for it), parsed once for all the parameters read from it."""
    try:
        pairs = probe.get_params(header=header) or []
    except Exception:
        return {}
    found: dict[str, Any] = {}
    for key, value in pairs:
        found.setdefault(key.lower(), value)
    return found


def _param(params: dict[str, Any], name: str, hint: str | None) -> str | None:
    """A decoded header parameter: RFC 2231 (charset'lang'%XX), encoded-words, raw 8-bit."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, tuple):
        charset, _lang, text = value
        data = str(text).encode("latin-1", "replace")
        return decode_bytes(data, charset or hint).text.strip() or None
    text = str(value)
    if not text.isascii():
        text = decode_bytes(raw_bytes(text), hint).text
    if "=?" in text:
        text = decode_encoded_words(text)
    return text.strip() or None


class _Collector:
    """State accumulated while walking the MIME tree."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.forwarded: list[ForwardedMessage] = []
        self.charsets: list[CharsetInfo] = []
        self.defects: list[str] = []
        self.delivery_status: list[str] = []
        self.returned_headers: list[str] = []
        self.first_charset: str | None = None
        self.unnamed = 0


def _defect_names(part: Message) -> list[str]:
    return [type(d).__name__ for d in getattr(part, "defects", []) or []]


def _walk(part: Message, col: _Collector, level: int = 0, *, in_related: bool = False) -> None:
    col.defects.extend(_defect_names(part))
    if level > MAX_DEPTH:
        col.defects.append("MimeTooDeep")
        return
    info = _PartInfo(part, col.first_charset)
    ctype = info.content_type
    if info.charset and not col.first_charset and ctype.startswith("text/"):
        col.first_charset = info.charset
    raw_payload = part.get_payload()
    payload: list[Message] | None = (
        [p for p in raw_payload if isinstance(p, Message)]
        if isinstance(raw_payload, list)
        else None
    )
    if payload is not None and ctype.startswith("message/"):
        _message_part(part, payload, info, col, level)
    elif payload is not None or ctype.startswith("multipart/"):
        children = payload or []
        if not children:
            col.defects.append("MultipartWithoutParts")
            _leaf(part, info, col, in_related=in_related, force_text=True)
        elif ctype == "multipart/alternative":
            _alternative(children, col, level)
        else:
            related = ctype == "multipart/related"
            for child in children:
                if isinstance(child, Message):
                    _walk(child, col, level + 1, in_related=related)
    else:
        _leaf(part, info, col, in_related=in_related)


def _alternative(children: list[Message], col: _Collector, level: int) -> None:
    """Keep the plain alternative as text and the HTML one as html; keep everything else."""
    sub = _Collector(col.depth)
    sub.first_charset = col.first_charset
    for child in children:
        if isinstance(child, Message):
            _walk(child, sub, level + 1)
    plain = "\n".join(sub.plain)
    col.plain.append(plain) if plain.strip() else None
    if sub.html:
        col.html.append("\n".join(sub.html))
    col.attachments.extend(sub.attachments)
    col.forwarded.extend(sub.forwarded)
    col.charsets.extend(sub.charsets)
    col.defects.extend(sub.defects)
    col.delivery_status.extend(sub.delivery_status)
    col.returned_headers.extend(sub.returned_headers)
    col.first_charset = col.first_charset or sub.first_charset
    col.unnamed = max(col.unnamed, sub.unnamed)


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _leaf(
    part: Message, info: _PartInfo, col: _Collector, *, in_related: bool, force_text: bool = False
) -> None:
    ctype = info.content_type
    data = _payload_bytes(part)
    is_attachment = info.disposition == "attachment" or bool(info.filename)
    if ctype == "text/rfc822-headers":
        col.returned_headers.append(decode_bytes(data, info.charset).text)
        return
    if (ctype in ("text/plain", "text/html") and not is_attachment) or force_text:
        decoded = decode_bytes(data, info.charset)
        text = _clean(decoded.text)
        col.charsets.append(CharsetInfo(ctype, info.charset, decoded.charset, decoded.guessed))
        (col.html if ctype == "text/html" else col.plain).append(text)
        return
    if ctype == "message/delivery-status":
        col.delivery_status.append(decode_bytes(data, info.charset).text)
        return
    col.attachments.append(_attachment(info, data, col, in_related=in_related))


def _attachment(info: _PartInfo, data: bytes, col: _Collector, *, in_related: bool) -> Attachment:
    name = _safe_filename(info.filename or "")
    if not name:
        col.unnamed += 1
        ext = mimetypes.guess_extension(info.content_type) or ".bin"
        stem = "image" if info.content_type.startswith("image/") else "attachment"
        name = f"{stem}-{col.unnamed}{ext}"
    inline = info.disposition == "inline" or (
        info.disposition == "" and in_related and info.content_id is not None
    )
    return Attachment(
        filename=name,
        content=data,
        content_type=info.content_type,
        inline=inline,
        content_id=info.content_id,
    )


def _safe_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip(".").strip()
    return name[:200]


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def _message_part(
    part: Message, payload: list[Message], info: _PartInfo, col: _Collector, level: int
) -> None:
    if info.content_type == "message/delivery-status":
        col.delivery_status.append("\n\n".join(_header_block(p) for p in payload))
        return
    if info.content_type not in ("message/rfc822", "message/global") or not payload:
        for child in payload:
            if isinstance(child, Message):
                _walk(child, col, level + 1)
        return
    data = _serialize(payload[0])
    if info.cte in ("base64", "quoted-printable"):
        data = _undo_transfer_encoding(data, info.cte)
    inner = _parse(data, depth=col.depth + 1) if col.depth < MAX_FORWARD_DEPTH else None
    subject = inner.subject if inner else ""
    if inner is not None:
        col.forwarded.append(
            ForwardedMessage(
                message_id=inner.message_id,
                subject=inner.subject,
                sender=inner.sender,
                date=inner.date,
                text=inner.text,
                headers=inner.headers,
            )
        )
    name = info.filename or (_safe_filename(subject)[:80] + ".eml" if subject else "")
    if name and not name.lower().endswith(".eml"):
        name += ".eml"
    if not name:
        col.unnamed += 1
        name = f"forwarded-{col.unnamed}.eml"
    col.attachments.append(Attachment(_safe_filename(name), data, info.content_type, False, None))


def _header_block(part: Message) -> str:
    return "\n".join(f"{k}: {header_text(v)}" for k, v in part.raw_items())


def _serialize(msg: Message) -> bytes:
    buf = io.BytesIO()
    try:
        BytesGenerator(buf, mangle_from_=False, maxheaderlen=0, policy=policy.compat32).flatten(msg)
        return buf.getvalue()
    except Exception:
        try:
            return msg.as_string(policy=policy.compat32).encode("utf-8", "surrogateescape")
        except Exception:
            return b""


def _undo_transfer_encoding(data: bytes, cte: str) -> bytes:
    """message/rfc822 may not be base64/QP encoded, but some senders do it anyway."""
    head, sep, body = data.partition(b"\n\n")
    candidate = body if sep and b":" in head and len(head) < 2000 else data
    try:
        if cte == "base64":
            return base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", candidate))
        import quopri

        return quopri.decodestring(candidate)
    except (binascii.Error, ValueError):
        return data


def _addresses(value: str | None, hint: str | None) -> tuple[Address, ...]:
    return tuple(Address(name, addr) for name, addr in parse_addresses(value, hint=hint))


def _parse(raw: bytes, *, depth: int = 0) -> ParsedEmail:
    defects: list[str] = []
    for pol in (DEFAULT_POLICY, policy.compat32):
        try:
            msg = BytesParser(policy=pol).parsebytes(raw)
            return _build(msg, raw, depth=depth, defects=defects)
        except Exception as exc:
            label = "EmailPolicy" if isinstance(pol, EmailPolicy) else type(pol).__name__
            defects.append(f"{label}:{type(exc).__name__}")
    decoded = decode_bytes(raw)
    return ParsedEmail(
        text=_clean(decoded.text),
        charsets=(CharsetInfo("raw", None, decoded.charset, decoded.guessed),),
        defects=(*defects, "Unparseable"),
        size=len(raw),
    )


def _build(msg: Message, raw: bytes, *, depth: int, defects: list[str]) -> ParsedEmail:
    col = _Collector(depth)
    _walk(msg, col)
    hint = col.first_charset
    items = [(k, v) for k, v in msg.raw_items()]
    raw_by_name: dict[str, str] = {}
    for key, value in items:
        raw_by_name.setdefault(key.lower(), value)
    headers = tuple((k, header_text(v, hint=hint).replace("\x00", "")) for k, v in items)
    plain = "\n".join(col.plain).strip("\n")
    html = "\n".join(col.html) if col.html else None
    text_from_html = not plain.strip() and html is not None
    text = html_to_text(html) if text_from_html and html is not None else plain
    top = _PartInfo(msg, hint)
    senders = _addresses(raw_by_name.get("from"), hint) or _addresses(
        raw_by_name.get("sender"), hint
    )
    in_reply_to = message_ids(raw_by_name.get("in-reply-to"))
    own_id = message_ids(raw_by_name.get("message-id"))
    return ParsedEmail(
        message_id=own_id[0] if own_id else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=tuple(message_ids(raw_by_name.get("references"))),
        subject=header_text(raw_by_name.get("subject"), hint=hint).replace("\x00", ""),
        sender=senders[0] if senders else None,
        to=_addresses(raw_by_name.get("to"), hint),
        cc=_addresses(raw_by_name.get("cc"), hint),
        reply_to=_addresses(raw_by_name.get("reply-to"), hint),
        date=parse_date(raw_by_name.get("date")),
        text=text,
        html=html,
        text_from_html=text_from_html,
        attachments=tuple(col.attachments),
        forwarded=tuple(col.forwarded),
        headers=headers,
        content_type=top.content_type,
        report_type=top.report_type or None,
        delivery_status="\n\n".join(col.delivery_status) or None,
        returned_headers="\n\n".join(col.returned_headers) or None,
        charsets=tuple(col.charsets),
        defects=tuple(dict.fromkeys([*defects, *col.defects])),
        size=len(raw),
    )


def parse_message(raw: bytes) -> ParsedEmail:
    """Parse one raw mail. Never raises: on any input (garbage, truncated MIME, a missing
    boundary, zero bytes) it returns what could be read, with the problems in `defects`.
    Size limits on attachments are the caller's business."""
    if not isinstance(raw, bytes):
        raw = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
    try:
        return _parse(raw)
    except Exception as exc:  # RecursionError and the unforeseen
        decoded = decode_bytes(raw)
        return ParsedEmail(
            text=_clean(decoded.text), defects=(f"Fatal:{type(exc).__name__}",), size=len(raw)
        )
