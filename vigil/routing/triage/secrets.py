# ruff: noqa: RUF001 - native CJK punctuation and apostrophes are intended
"""Secrets a customer should never send: seed phrases, private keys, API secrets.

See docs/architecture.md#triage. Found secrets are redacted from what agents see and from search
("[redacted: seed phrase]" …), and the ticket is flagged for security.

- Seed phrases: runs of at least 12 BIP-39 words (English, Chinese in either script, Japanese),
  whatever separates them: spaces, commas, new lines, numbering ("1. abandon 2. ability"). An
  English word with a typo still counts when its first four letters name a BIP-39 word (the list
  is built so that four letters are unique), at most one such word per twelve.
- Private keys: 64 hex digits (with or without 0x) in a key-ish context, WIF keys (base58check,
  5/K/L), extended private keys (xprv, tprv, yprv, zprv), long base58 keys after "private key".
  64 hex digits in a transaction context (tx, txid, hash, 哈希, トランザクション) are a
  transaction hash and are left alone: the nearest context word before the digits decides.
- API secrets: a long token right after "secret", "api key", "密钥", "シークレット" and the like.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

WORDLIST_DIR = Path(__file__).with_name("data") / "bip39"
SEED_LENGTHS = (12, 15, 18, 21, 24)
_MIN_DISTINCT = 6  # "latin1 latin2 … man7" repeats two words; a generated phrase almost never does
LABELS = {
    "seed_phrase": "[redacted: seed phrase]",
    "private_key": "[redacted: private key]",
    "api_secret": "[redacted: API secret]",
}


@dataclass(frozen=True, slots=True)
class SecretFinding:
    kind: str  # seed_phrase, private_key, api_secret
    start: int
    end: int
    detail: str
    field: str = "text"  # where the span is: "text" or "subject"


@dataclass(frozen=True, slots=True)
class SecretsResult:
    findings: tuple[SecretFinding, ...]
    redacted_text: str

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.kind for f in self.findings))


# -- word lists ------------------------------------------------------------------------------


@cache
def wordlist(name: str) -> tuple[str, ...]:
    """A BIP-39 word list: english, chinese_simplified, chinese_traditional, japanese."""
    text = (WORDLIST_DIR / f"{name}.txt").read_text(encoding="utf-8")
    words = tuple(unicodedata.normalize("NFC", w) for w in text.split())
    if len(words) != 2048:
        raise ValueError(f"BIP-39 list {name} has {len(words)} words, not 2048")
    return words


@cache
def _lookup() -> dict[str, tuple[str, int]]:
    """word → (list name, index); English words lower-case."""
    table: dict[str, tuple[str, int]] = {}
    for name in ("japanese", "chinese_traditional", "chinese_simplified", "english"):
        for i, word in enumerate(wordlist(name)):
            table[word] = ("chinese" if name.startswith("chinese") else name, i)
    return table


@cache
def _english_prefixes() -> dict[str, int]:
    return {word[:4]: i for i, word in enumerate(wordlist("english"))}


def checksum_valid(indices: list[int]) -> bool:
    """Whether BIP-39 word indices carry a correct checksum (only lengths 12…24 step 3)."""
    if len(indices) not in SEED_LENGTHS:
        return False
    bits = "".join(f"{i:011b}" for i in indices)
    checksum_bits = len(bits) // 33
    entropy_bits = bits[:-checksum_bits]
    entropy = int(entropy_bits, 2).to_bytes(len(entropy_bits) // 8, "big")
    digest = hashlib.sha256(entropy).digest()
    expected = f"{digest[0]:08b}"[:checksum_bits]
    return bits[-checksum_bits:] == expected


# -- seed phrases ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z]+|[\u3040-\u30ff]+|[\u3400-\u9fff]+|\S")
_SEPARATOR = re.compile(r"[\d.,;:、，。；：)(（）#\-–—*•·|/\[\]\"'“”]")


@dataclass(slots=True)
class _Run:
    kind: str
    indices: list[int] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    exact: list[bool] = field(default_factory=list)


def _classify_token(token: str) -> tuple[str, int, bool] | None:
    """(list, index, exact) if the token is a BIP-39 word, else None."""
    if token.isascii():
        lowered = token.lower()
        hit = _lookup().get(lowered)
        if hit and hit[0] == "english":
            return "english", hit[1], True
        if len(lowered) >= 4 and lowered[:4] in _english_prefixes():
            return "english", _english_prefixes()[lowered[:4]], False
        return None
    hit = _lookup().get(unicodedata.normalize("NFC", token))
    return (hit[0], hit[1], True) if hit else None


def _valid_window(run: _Run) -> tuple[int, int] | None:
    """The longest window of the run with a correct checksum (exact words only), if any."""
    words = len(run.indices)
    for size in reversed(SEED_LENGTHS):
        for offset in range(words - size + 1):
            window = slice(offset, offset + size)
            if all(run.exact[window]) and checksum_valid(run.indices[window]):
                return offset, offset + size
    return None


def _close(run: _Run, out: list[SecretFinding]) -> None:
    if len(run.indices) < SEED_LENGTHS[0] or len(set(run.indices)) < _MIN_DISTINCT:
        return
    name = {"english": "English", "chinese": "Chinese", "japanese": "Japanese"}[run.kind]
    window = _valid_window(run)
    if window:  # a checksum pins the phrase down: neighbouring list words ("my seed") stay
        first, last = window
        detail = f"{last - first} {name} BIP-39 words, checksum valid"
    else:  # a mistyped phrase: the run of list words, less misspelt words at its ends
        first, last = 0, len(run.indices)
        while first < last and not run.exact[first]:
            first += 1
        while last > first and not run.exact[last - 1]:
            last -= 1
        words = last - first
        typos = run.exact[first:last].count(False)
        if words < SEED_LENGTHS[0] or typos * 12 > words:
            return
        detail = f"{words} {name} BIP-39 words ({typos} misspelt), checksum not valid"
    out.append(SecretFinding("seed_phrase", run.spans[first][0], run.spans[last - 1][1], detail))


def find_seed_phrases(text: str) -> list[SecretFinding]:
    found: list[SecretFinding] = []
    run: _Run | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.isspace() or _SEPARATOR.fullmatch(token):
            continue
        word = _classify_token(token)
        if word is None or (run is not None and word[0] != run.kind):
            if run is not None:
                _close(run, found)
            run = None
            if word is None:
                continue
        kind, index, exact = word
        if run is None:
            run = _Run(kind)
        run.indices.append(index)
        run.spans.append(match.span())
        run.exact.append(exact)
    if run is not None:
        _close(run, found)
    return found


# -- private keys and API secrets -------------------------------------------------------------

_HEX64 = re.compile(r"(?<![0-9A-Za-z])(?:0x)?[0-9a-fA-F]{64}(?![0-9A-Za-z])")
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_WIF = re.compile(rf"(?<![0-9A-Za-z])[5KLc9][{_BASE58}]{{50,51}}(?![0-9A-Za-z])")
_XPRV = re.compile(rf"(?<![0-9A-Za-z])[xtyzuvYZUV]prv[{_BASE58}]{{100,112}}(?![0-9A-Za-z])")
_LONG_BASE58 = re.compile(rf"(?<![0-9A-Za-z])[{_BASE58}]{{80,90}}(?![0-9A-Za-z])")
_KEY_CONTEXT = re.compile(
    r"private[\s_-]*key|priv[\s_-]*key|secret[\s_-]*key|\bprivate\b|my\s+key|\bkey\s*[:=]|"
    r"wallet\s+key|私钥|私鑰|秘钥|秘鑰|密钥|密鑰|秘密鍵|プライベートキー|鍵",
    re.IGNORECASE,
)
_TX_CONTEXT = re.compile(
    r"\btx(?:id|hash|n)?\b|\btxid|transaction|\bhash\b|哈希|交易|转账|轉帳|hash值|"
    r"トランザクション|取引ID|送金ID|/tx/|scan\.|explorer|区块|區塊|ブロック",
    re.IGNORECASE,
)
_API_CONTEXT = re.compile(
    r"api[\s_-]*(?:secret|key|token)|\bsecret(?:[\s_-]*key)?\b|apikey|access[\s_-]*(?:key|token)|"
    r"bearer|"
    r"密钥|密鑰|秘钥|秘鑰|金鑰|シークレット|apiキー|api鍵|アクセスキー",
    re.IGNORECASE,
)
_API_GAP = 24  # at most this many characters (": ", "は", " is ") between the word and the token
_API_TOKEN = re.compile(r"(?<![0-9A-Za-z+/=_-])[A-Za-z0-9+/=_-]{24,}(?![0-9A-Za-z+/=_-])")


def _looks_random(value: str) -> bool:
    """A key or secret, not a word or a path: digits and letters, high entropy per character."""
    digits = sum(c.isdigit() for c in value)
    letters = sum(c.isalpha() for c in value)
    if digits < 2 or letters < 4 or value.count("/") > 2:
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.5


def _base58check(value: str) -> bytes | None:
    number = 0
    for char in value:
        number = number * 58 + _BASE58.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(value) - len(value.lstrip("1"))) + raw
    payload, check = raw[:-4], raw[-4:]
    if len(raw) < 5 or hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != check:
        return None
    return payload


def _nearest_context(text: str, start: int, end: int) -> str | None:
    """'key' or 'tx': whichever context word stands nearest before (else after) the value."""
    before = text[max(0, start - 80) : start]
    best: tuple[int, str] | None = None
    for label, pattern in (("key", _KEY_CONTEXT), ("tx", _TX_CONTEXT)):
        for match in pattern.finditer(before):
            distance = len(before) - match.end()
            if best is None or distance < best[0]:
                best = (distance, label)
    if best:
        return best[1]
    after = text[end : end + 40]
    hits = [
        (m.start(), label)
        for label, p in (("key", _KEY_CONTEXT), ("tx", _TX_CONTEXT))
        for m in p.finditer(after)
    ]
    return min(hits)[1] if hits else None


def find_keys(text: str) -> list[SecretFinding]:
    found: list[SecretFinding] = []
    for match in _XPRV.finditer(text):
        found.append(
            SecretFinding("private_key", match.start(), match.end(), "extended private key")
        )
    for match in _WIF.finditer(text):
        payload = _base58check(match.group())
        if payload and payload[0] in (0x80, 0xEF) and len(payload) in (33, 34):
            found.append(
                SecretFinding("private_key", match.start(), match.end(), "WIF private key")
            )
    for match in _HEX64.finditer(text):
        context = _nearest_context(text, match.start(), match.end())
        if context == "key":
            found.append(
                SecretFinding(
                    "private_key", match.start(), match.end(), "64 hex digits in a key context"
                )
            )
    for match in _LONG_BASE58.finditer(text):
        if _nearest_context(text, match.start(), match.end()) == "key":
            found.append(
                SecretFinding(
                    "private_key", match.start(), match.end(), "base58 key in a key context"
                )
            )
    return found


def find_api_secrets(text: str, taken: list[SecretFinding]) -> list[SecretFinding]:
    found: list[SecretFinding] = []
    for context in _API_CONTEXT.finditer(text):
        match = _API_TOKEN.search(text, context.end())
        if match is None or match.start() - context.end() > _API_GAP:
            continue
        value = match.group()
        if not _looks_random(value):
            continue
        if any(f.start < match.end() and match.start() < f.end for f in taken + found):
            continue
        if _HEX64.fullmatch(value) and _nearest_context(text, match.start(), match.end()) == "tx":
            continue
        detail = f"token after “{context.group(0)}”"
        found.append(SecretFinding("api_secret", match.start(), match.end(), detail))
    return found


def redact(
    text: str, findings: tuple[SecretFinding, ...] | list[SecretFinding], *, blank: bool = False
) -> str:
    """The text with each finding replaced by its label ("[redacted: seed phrase]"), or by a
    space with `blank=True` (for the other triage decisions, which must not read the label)."""
    pieces, cursor = [], 0
    for finding in sorted(findings, key=lambda f: f.start):
        if finding.start < cursor:
            continue
        pieces.append(text[cursor : finding.start])
        pieces.append(" " if blank else LABELS[finding.kind])
        cursor = finding.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def scan_secrets(text: str) -> SecretsResult:
    findings = find_seed_phrases(text)
    findings.extend(f for f in find_keys(text) if not _overlaps(f, findings))
    findings.extend(find_api_secrets(text, findings))
    ordered = tuple(sorted(findings, key=lambda f: f.start))
    return SecretsResult(ordered, redact(text, ordered) if ordered else text)


def _overlaps(finding: SecretFinding, others: list[SecretFinding]) -> bool:
    return any(o.start < finding.end and finding.start < o.end for o in others)
