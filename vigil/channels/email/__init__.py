"""The e-mail channel. See docs/architecture.md#e-mail.

Parsing is pure and lives here without Django: `parsing.parse_message` turns raw RFC 5322
bytes into a `ParsedEmail` (headers decoded, best text, attachments, charsets, defects),
`quotes.strip_reply` keeps only the new text of a reply, and `autoreply.classify_automatic`
says whether a mail is an auto-reply, a bounce, list mail or our own mail looping back.
The transport (SMTP listener, IMAP, provider webhooks), threading and outbound mail build on
these functions. `fixtures/` holds the .eml corpus with the expected outcome of each mail.
"""
