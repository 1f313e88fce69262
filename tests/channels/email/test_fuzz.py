"""parse_message never raises: every fixture, mutated and truncated (seeded, bounded)."""

from __future__ import annotations

import random

import pytest

from tests.channels.email.corpus import load_cases
from vigil.channels.email.autoreply import classify_automatic
from vigil.channels.email.parsing import ParsedEmail, parse_message
from vigil.channels.email.quotes import strip_reply

CASES = load_cases()
MUTATIONS_PER_FILE = 20


def mutate(raw: bytes, rng: random.Random) -> bytes:
    data = bytearray(raw)
    kind = rng.randrange(7)
    if not data:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    pos = rng.randrange(len(data))
    if kind == 0:  # truncate
        return bytes(data[:pos])
    if kind == 1:  # flip random bytes
        for _ in range(rng.randrange(1, 16)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 2:  # drop a slice
        return bytes(data[:pos] + data[pos + rng.randrange(1, 200) :])
    if kind == 3:  # duplicate a slice
        return bytes(data[:pos] + data[pos : pos + 300] + data[pos:])
    if kind == 4:  # break MIME punctuation
        for token in (b"--", b'"', b"=?", b"?=", b";", b":", b"\r\n\r\n"):
            data = data.replace(token, rng.choice([b"", b"-", b"=", b"\x00", b"\xff"]), 2)
        return bytes(data)
    if kind == 5:  # insert junk
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        return bytes(data[:pos] + junk + data[pos:])
    return bytes(data[: pos // 2])  # half


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_mutations_never_raise(case) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(f"vigil-{case.name}")
    for _ in range(MUTATIONS_PER_FILE):
        raw = mutate(case.raw, rng)
        parsed = parse_message(raw)
        assert isinstance(parsed, ParsedEmail)
        assert "\x00" not in parsed.text
        strip_reply(parsed.text, html=parsed.html)
        classify_automatic(parsed, own_addresses={"support@vigil.test"}, own_message_ids=set())


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 100,
        b"\r\n\r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
        b"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n",
        b"Subject: =?utf-8?B?" + b"A" * 10000 + b"?=\r\n\r\n",
        b"From: " + b"<" * 5000 + b"\r\n\r\n",
        b'Content-Type: text/plain; charset="\xff\xfe"\r\n\r\n\xff\xfe',
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n"
        + b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 300,
    ],
)
def test_pathological_inputs(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedEmail)
