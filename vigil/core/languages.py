"""Language codes as Vigil stores them: lower-case BCP 47, Chinese split by script.

See docs/architecture.md#languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vigil.core.errors import ValidationFailed

_ALIASES = {
    "zh": "zh-hans",
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh-hans-cn": "zh-hans",
    "zh-tw": "zh-hant",
    "zh-hk": "zh-hant",
    "zh-mo": "zh-hant",
    "zh-hant-tw": "zh-hant",
    "jp": "ja",
    "ja-jp": "ja",
    "en-us": "en",
    "en-gb": "en",
}
_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")

LANGUAGE_NAMES = {
    "en": "English",
    "zh-hans": "简体中文",
    "zh-hant": "繁體中文",
    "ja": "日本語",
    "ko": "한국어",
    "ru": "Русский",
    "es": "Español",
    "tr": "Türkçe",
    "vi": "Tiếng Việt",
}


def normalize_language(code: str) -> str:
    value = code.strip().lower().replace("_", "-")
    value = _ALIASES.get(value, value)
    if not _CODE.match(value):
        raise ValidationFailed(f"{code!r} is not a language code (e.g. en, zh-hans, ja)")
    return value


def normalize_languages(codes: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for code in codes:
        if not code.strip():
            continue
        value = normalize_language(code)
        if value not in seen:
            seen.append(value)
    return seen
