"""Parsing raw e-mail into typed values. See docs/architecture.md#e-mail.

`parse_message(raw)` is the entry point; `html_to_text` makes HTML readable; the header
helpers decode RFC 2047 / raw 8-bit header values and parse addresses, ids and dates.
"""

from vigil.channels.email.parsing.headers import (
    decode_encoded_words,
    header_text,
    message_ids,
    parse_addresses,
    parse_date,
)
from vigil.channels.email.parsing.html import html_to_text
from vigil.channels.email.parsing.message import parse_message
from vigil.channels.email.parsing.model import (
    Address,
    Attachment,
    CharsetInfo,
    ForwardedMessage,
    ParsedEmail,
)

__all__ = [
    "Address",
    "Attachment",
    "CharsetInfo",
    "ForwardedMessage",
    "ParsedEmail",
    "decode_encoded_words",
    "header_text",
    "html_to_text",
    "message_ids",
    "parse_addresses",
    "parse_date",
    "parse_message",
]
