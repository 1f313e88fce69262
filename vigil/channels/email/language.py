"""Which language to acknowledge a mail in. See docs/architecture.md#languages.

The ticket's language wins when triage set one; otherwise the mail itself decides: kana means
Japanese, Han characters mean Chinese (traditional when Big5 or traditional-only characters
dominate), a declared Content-Language counts, and English is the fallback.
"""

from __future__ import annotations

import re

SUPPORTED = ("en", "zh-hans", "zh-hant", "ja")

_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# Frequent characters that exist in only one of the two scripts.
_SIMPLIFIED = set("这个们来时为说国会对过还没问题请账户号钱币转现让该经发现进证码无应见电话页")
_TRADITIONAL = set("這個們來時為說國會對過還沒問題請賬戶號錢幣轉現讓該經發現進證碼無應見電話頁")
_SIMPLIFIED -= _TRADITIONAL
_TRADITIONAL -= _SIMPLIFIED


def ack_language(
    *,
    ticket_language: str,
    text: str,
    subject: str = "",
    content_language: str = "",
    charsets: tuple[str, ...] = (),
) -> str:
    if ticket_language in SUPPORTED:
        return ticket_language
    sample = f"{subject}\n{text}"[:4000]
    if _KANA.search(sample):
        return "ja"
    if _HAN.search(sample):
        simplified = sum(1 for ch in sample if ch in _SIMPLIFIED)
        traditional = sum(1 for ch in sample if ch in _TRADITIONAL)
        big5 = any(c.lower().replace("-", "") in ("big5", "big5hkscs", "cp950") for c in charsets)
        return "zh-hant" if traditional > simplified or (big5 and not simplified) else "zh-hans"
    declared = content_language.split(",")[0].strip().lower()
    if declared.startswith("ja"):
        return "ja"
    if declared in ("zh-tw", "zh-hk", "zh-hant"):
        return "zh-hant"
    if declared.startswith("zh"):
        return "zh-hans"
    return "en"
