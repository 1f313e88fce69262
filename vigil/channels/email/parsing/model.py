"""What parsing a mail yields: frozen, typed values. See docs/architecture.md#e-mail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Address:
    """A mailbox: display name (decoded, may be empty) and lower-cased address."""

    name: str
    address: str

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


@dataclass(frozen=True, slots=True)
class Attachment:
    """A part that is not the body: its bytes as sent, the declared type (the storage layer
    sniffs the real one), whether the client showed it inline, and its Content-ID (without
    brackets) for `cid:` references in the HTML."""

    filename: str
    content: bytes = field(repr=False)
    content_type: str
    inline: bool = False
    content_id: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class ForwardedMessage:
    """A message/rfc822 part (a forwarded mail, or the original inside a bounce)."""

    message_id: str | None
    subject: str
    sender: Address | None
    date: datetime | None
    text: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CharsetInfo:
    """For one text part: the charset it declared and the codec that decoded it."""

    part: str
    declared: str | None
    used: str
    guessed: bool


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    """Everything the desk needs from one raw mail. Message-IDs are stored without angle
    brackets. `text` is the best plain text (the text/plain alternative, or the HTML made
    readable when there is none: then `text_from_html` is True); `html` is the raw,
    unsanitized HTML. `headers` holds every top-level header, decoded, in order.
    `delivery_status` and `returned_headers` carry the machine-readable parts of a delivery
    report (RFC 3464), for bounce detection. `defects` lists what was wrong with the input."""

    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    subject: str = ""
    sender: Address | None = None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    date: datetime | None = None
    text: str = ""
    html: str | None = None
    text_from_html: bool = False
    attachments: tuple[Attachment, ...] = ()
    forwarded: tuple[ForwardedMessage, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "text/plain"
    report_type: str | None = None
    delivery_status: str | None = None
    returned_headers: str | None = None
    charsets: tuple[CharsetInfo, ...] = ()
    defects: tuple[str, ...] = ()
    size: int = 0

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), or None."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]

    def has_header(self, name: str) -> bool:
        return self.header(name) is not None

    @property
    def from_address(self) -> str | None:
        return self.sender.address if self.sender else None
