# ruff: noqa: E501, RUF001
"""Auto-reply, bounce, list and loop detection on small hand-written mails."""

from __future__ import annotations

import pytest

from vigil.channels.email.autoreply import classify_automatic
from vigil.channels.email.parsing import parse_message

OWN = {"support@vigil.test"}


def verdict(headers: str, body: str = "Hello\n", **kw: object):  # type: ignore[no-untyped-def]
    raw = (headers.strip() + "\n\n" + body).encode()
    return classify_automatic(
        parse_message(raw),
        own_addresses=kw.get("own", OWN),  # type: ignore[arg-type]
        own_message_ids=lambda mid: mid.endswith("@vigil.test"),
    )


BASE = "From: Alex <alex@example.com>\nTo: support@vigil.test\nSubject: Help\n"


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ("Auto-Submitted: auto-replied", "auto_reply"),
        ("Auto-Submitted: auto-generated", "auto_reply"),
        ("Auto-Submitted: no", None),
        ("X-Autoreply: yes", "auto_reply"),
        ("X-Autorespond: Out of office", "auto_reply"),
        ("X-Auto-Response-Suppress: All", "auto_reply"),
        ("Precedence: bulk", "list"),
        ("Precedence: junk", "list"),
        ("Precedence: list", "list"),
        ("Precedence: auto_reply", "auto_reply"),
        ("List-Id: <traders.lists.example.org>", "list"),
        ("List-Unsubscribe: <mailto:u@example.com>", None),
        (
            "List-Unsubscribe: <mailto:u@example.com>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "list",
        ),
        ("X-Failed-Recipients: a@example.com", "bounce"),
        ("X-Vigil-Ticket: VG-1", "loop"),
        ("Message-ID: <abc@vigil.test>", "loop"),
    ],
)
def test_headers_decide(extra: str, reason: str | None) -> None:
    assert verdict(BASE + extra).reason == reason


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        ("Automatic reply: Help", "auto_reply"),
        ("Out of Office: Help", "auto_reply"),
        ("自动回复：提币", "auto_reply"),
        ("自動回覆：提幣", "auto_reply"),
        ("自動返信: 出金", "auto_reply"),
        ("Re: Automatic reply: Help", None),
        ("Undeliverable: Help", "bounce"),
        ("Help with my withdrawal", None),
    ],
)
def test_subjects(subject: str, reason: str | None) -> None:
    headers = f"From: Alex <alex@example.com>\nTo: support@vigil.test\nSubject: {subject}\n"
    raw = headers.encode() + b"\nHello\n"
    assert classify_automatic(parse_message(raw), own_addresses=OWN).reason == reason


def test_sender_is_mailer_daemon() -> None:
    headers = "From: MAILER-DAEMON@mx.example.com\nTo: support@vigil.test\nSubject: x\n"
    assert verdict(headers).reason == "bounce"


def test_own_address_is_a_loop() -> None:
    headers = "From: Support <SUPPORT@vigil.test>\nTo: support@vigil.test\nSubject: x\n"
    assert verdict(headers).reason == "loop"


def test_out_of_office_body_without_headers() -> None:
    body = "I am currently out of the office until Monday with limited access to email.\n"
    assert verdict(BASE, body).reason == "auto_reply"


def test_human_quoting_an_out_of_office_is_not_automatic() -> None:
    headers = BASE.replace("Subject: Help", "Subject: Re: Help") + "In-Reply-To: <x@y>\n"
    body = "Back now, thanks.\n\nOn Mon, Jan 1, 2024 Alex <alex@example.com> wrote:\n> I am currently out of the office until Monday.\n"
    assert verdict(headers, body).reason is None


def test_bounce_of_found_in_body_prefers_our_ids() -> None:
    headers = (
        "From: MAILER-DAEMON@mx.example.net\nTo: support@vigil.test\nSubject: failure notice\n"
    )
    body = "--- Below this line is a copy of the message.\n\nMessage-ID: <theirs@example.net>\nMessage-ID: <ours.1@vigil.test>\n"
    result = verdict(headers, body)
    assert result.reason == "bounce"
    assert result.bounce_of == "ours.1@vigil.test"


def test_own_message_ids_can_be_a_set() -> None:
    raw = (BASE + "Message-ID: <m1@elsewhere>\n\nHi\n").encode()
    parsed = parse_message(raw)
    assert (
        classify_automatic(parsed, own_addresses=set(), own_message_ids={"<m1@elsewhere>"}).reason
        == "loop"
    )
