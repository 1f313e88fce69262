# ruff: noqa: RUF001 - native CJK punctuation and apostrophes are intended
"""Which language a customer wrote in, restricted to the languages the desk serves.

See docs/architecture.md#triage. Scripts decide first: kana means Japanese, Hangul Korean, Han
characters Chinese, and Simplified vs Traditional is a vote of script-specific characters
(`hanzi.py`), since lingua only says "Chinese". Text in other scripts goes to lingua, restricted to
the served languages and built once per set (low-accuracy mode, models preloaded). A text with
no language in it (a transaction hash, an order number) falls back to the customer's preferred
language.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

from vigil.routing.triage.hanzi import script_votes

DEFAULT_SERVED: tuple[str, ...] = ("en", "zh-hans", "zh-hant", "ja")
CJK_CODES = frozenset({"zh-hans", "zh-hant", "ja", "ko"})

# Tokens that carry no language: tickers, acronyms and protocol words customers of every
# language type in Latin letters.
_NEUTRAL_WORDS = (
    "usdt usdc btc eth trx xrp sol bnb doge ada ton dot ltc tron erc trc bep bsc ok okay vip "
    "kyc aml api uid id tx txid txn txhash hash memo tag sms otp ip pc ios android app web usd "
    "eur cny jpy twd hkd u qr pdf url fa dm "
)
_NEUTRAL_TOKENS = frozenset(_NEUTRAL_WORDS.split())
_NOISE = re.compile(
    r"https?://\S+|[\w.+-]+@[\w-]+\.[\w.]+|\b0x[0-9a-fA-F]+\b|\b[0-9A-Za-z]{20,}\b|"
    r"\b\w*\d\w*\b"
)
_LETTERS = (
    "A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0370-\u03ff\u0400-\u04ff"
    "\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f"
)
_WORD = re.compile(f"[{_LETTERS}]+(?:['’][{_LETTERS}]+)?")


@dataclass(frozen=True, slots=True)
class LanguageResult:
    code: str
    reason: str
    confidence: float


@dataclass(frozen=True, slots=True)
class _Scripts:
    han: int
    kana: int
    hangul: int
    words: int  # words in alphabetic scripts (Latin, Cyrillic, ...), neutral tokens left out


def _count_scripts(text: str) -> _Scripts:
    han = kana = hangul = 0
    for char in text:
        if char < "\u1100":
            continue
        code = ord(char)
        if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
            han += 1
        elif (0x3041 <= code <= 0x30FA or code == 0x30FC or 0x31F0 <= code <= 0x31FF) or (
            0xFF66 <= code <= 0xFF9F
        ):
            kana += 1
        elif 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
            hangul += 1
    words = 0
    for word in _WORD.findall(_NOISE.sub(" ", text)):
        if word.lower() in _NEUTRAL_TOKENS:
            continue
        words += 1
    return _Scripts(han=han, kana=kana, hangul=hangul, words=words)


# -- lingua, built once per served set ------------------------------------------------------

_DETECTORS: dict[tuple[str, ...], LanguageDetector] = {}
_DETECTORS_LOCK = threading.Lock()


def _lingua_language(code: str) -> Language | None:
    primary = code.split("-", 1)[0].upper()
    try:
        return Language.from_iso_code_639_1(getattr(IsoCode639_1, primary))
    except (AttributeError, ValueError):
        return None


def _detector(codes: tuple[str, ...]) -> LanguageDetector:
    detector = _DETECTORS.get(codes)
    if detector is None:
        with _DETECTORS_LOCK:
            detector = _DETECTORS.get(codes)
            if detector is None:
                languages = [lang for code in codes if (lang := _lingua_language(code))]
                detector = (
                    LanguageDetectorBuilder.from_languages(*languages)
                    .with_low_accuracy_mode()
                    .with_preloaded_language_models()
                    .build()
                )
                _DETECTORS[codes] = detector
    return detector


def _alphabetic_candidates(served: Sequence[str]) -> tuple[str, ...]:
    return _alphabetic_candidates_of(tuple(served))


@cache
def _alphabetic_candidates_of(served: tuple[str, ...]) -> tuple[str, ...]:
    """Served languages lingua can tell apart (everything but Chinese, Japanese, Korean)."""
    return tuple(
        sorted(c for c in served if c not in CJK_CODES and _lingua_language(c) is not None)
    )


def preload(served: Sequence[str] = DEFAULT_SERVED) -> None:
    """Build the detector for these served languages now (call at start-up), not on first use."""
    candidates = _alphabetic_candidates(served)
    if len(candidates) > 1:
        _detector(candidates)


# -- decisions --------------------------------------------------------------------------------


def _first_served(prefs: Sequence[str], served: Sequence[str]) -> str | None:
    return next((code for code in prefs if code in served), None)


_Decision = tuple[str | None, str, float]


def _decide_han(text: str, scripts: _Scripts, served: Sequence[str], hint: str | None) -> _Decision:
    """Chinese (which script) or Japanese for text written in Han characters and maybe kana."""
    cjk = scripts.han + scripts.kana
    if scripts.kana >= 2 or (scripts.kana and scripts.kana * 5 >= cjk):
        code = _first_served(("ja", "zh-hant", "zh-hans"), served)
        return code, f"kana present ({scripts.kana} kana, {scripts.han} kanji)", 0.99
    simplified, traditional, japanese = script_votes(text)
    votes = (
        f"{simplified} simplified-only, {traditional} traditional-only, "
        f"{japanese} Japanese-only characters"
    )
    if japanese > max(simplified, traditional):
        prefs: tuple[str, ...] = ("ja", "zh-hant", "zh-hans")
        reason, confidence = f"Han text with Japanese forms: {votes}", 0.8
    elif simplified > traditional:
        prefs = ("zh-hans", "zh-hant", "ja")
        reason, confidence = f"Simplified Chinese by script: {votes}", 0.9
    elif traditional > simplified and not (hint == "ja" and simplified == 0):
        prefs = ("zh-hant", "zh-hans", "ja")
        reason, confidence = f"Traditional Chinese by script: {votes}", 0.9
    elif hint in ("zh-hans", "zh-hant", "ja") and hint in served:
        prefs = (hint, "zh-hans", "zh-hant", "ja")
        reason = f"Han text without a deciding script ({votes}); customer's preferred language"
        confidence = 0.6
    else:
        prefs = ("zh-hans", "zh-hant", "ja")
        reason, confidence = f"Han text without a deciding script ({votes})", 0.5
    return _first_served(prefs, served), reason, confidence


def _decide_alphabetic(text: str, served: Sequence[str], hint: str | None) -> _Decision:
    candidates = _alphabetic_candidates(served)
    if not candidates:
        return None, "no alphabetic language served", 0.0
    if len(candidates) == 1:
        return (
            candidates[0],
            f"alphabetic text; {candidates[0]} is the only such language served",
            0.9,
        )
    values = _detector(candidates).compute_language_confidence_values(text)
    best = values[0]
    code = next(c for c in candidates if _lingua_language(c) == best.language)
    if best.value < 0.5 and hint in candidates:
        return hint, f"lingua unsure ({code} {best.value:.2f}); customer's preferred language", 0.5
    name = best.language.name.title()
    return code, f"lingua: {name} ({best.value:.2f}) among {', '.join(candidates)}", best.value


def _fallback(served: Sequence[str], hint: str | None, what: str) -> LanguageResult:
    if hint and hint in served:
        return LanguageResult(hint, f"{what}; customer's preferred language", 0.3)
    return LanguageResult(served[0], f"{what}; desk default language", 0.1)


def detect_language(
    text: str,
    *,
    served: Sequence[str] = DEFAULT_SERVED,
    hint: str | None = None,
    subject: str = "",
) -> LanguageResult:
    """Decide the language of a message among `served` (ordered, first is the desk default)."""
    if not served:
        raise ValueError("the desk serves no language")
    for source in (text, subject):
        scripts = _count_scripts(source)
        cjk = scripts.han + scripts.kana
        if scripts.hangul and scripts.hangul >= max(cjk, scripts.words) and "ko" in served:
            return LanguageResult("ko", f"Hangul script ({scripts.hangul} syllables)", 0.95)
        if cjk and cjk >= scripts.words:
            code, reason, confidence = _decide_han(source, scripts, served, hint)
            if code:
                if scripts.words:
                    reason += (
                        f"; CJK characters ({cjk}) outweigh alphabetic words ({scripts.words})"
                    )
                return LanguageResult(code, reason, confidence)
        if scripts.words:
            code, reason, confidence = _decide_alphabetic(source, served, hint)
            if code:
                return LanguageResult(code, reason, confidence)
    return _fallback(served, hint, "no language content (only numbers, hashes or tickers)")
