"""Loading the e-mail fixture corpus and checking one fixture against its expectations."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from vigil.channels.email.autoreply import classify_automatic
from vigil.channels.email.parsing import ParsedEmail, parse_message
from vigil.channels.email.quotes import strip_parsed

FIXTURES = Path(__file__).resolve().parents[3] / "vigil" / "channels" / "email" / "fixtures"
OWN_ADDRESSES = {"support@vigil.test", "billing@vigil.test"}


def own_message_id(message_id: str) -> bool:
    return message_id.lower().endswith("@vigil.test")


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    expected: dict[str, object]


def load_cases() -> list[Case]:
    cases = []
    for eml in sorted(FIXTURES.glob("*.eml")):
        sidecar = eml.with_name(eml.name.removesuffix(".eml") + ".expected.json")
        expected = json.loads(sidecar.read_text(encoding="utf-8"))
        cases.append(Case(eml.name.removesuffix(".eml"), eml.read_bytes(), expected))
    return cases


def visible_text(parsed: ParsedEmail) -> str:
    return strip_parsed(parsed).visible


def check(case: Case) -> list[str]:
    """Every way in which the parser disagrees with the fixture's expectations."""
    exp = case.expected
    parsed = parse_message(case.raw)
    problems: list[str] = []

    def differ(what: str, got: object, want: object) -> None:
        if got != want:
            problems.append(f"{what}: got {got!r}, expected {want!r}")

    if exp["visible_text"] is not None:
        differ("visible_text", visible_text(parsed), exp["visible_text"])
    differ("subject", parsed.subject, exp["subject"])
    differ("from", parsed.from_address, exp["from"])
    verdict = classify_automatic(
        parsed, own_addresses=OWN_ADDRESSES, own_message_ids=own_message_id
    )
    differ("automatic", verdict.reason, exp["automatic"])
    differ("bounce_of", verdict.bounce_of, exp["bounce_of"])
    differ("attachments", [a.filename for a in parsed.attachments], exp["attachments"])
    differ("forwarded", [f.subject for f in parsed.forwarded], exp.get("forwarded_subjects", []))
    marker = exp["charset_ok_contains"]
    if marker is not None:
        haystack = "\n".join([parsed.subject, parsed.text, *(f.text for f in parsed.forwarded)])
        if str(marker) not in haystack:
            problems.append(f"charset: {marker!r} not found in the decoded text")
    return problems
