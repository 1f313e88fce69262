# ruff: noqa: RUF001 - native CJK punctuation and apostrophes are intended
"""Durations written by customers: "3 hours", "2hrs", "两天", "三个小时", "3時間", "yesterday".

See docs/architecture.md#triage. Used by urgency to tell how long a withdrawal has been pending.
Numbers may be ASCII, full-width or Chinese numerals; vague amounts ("a few hours", "好幾個小時",
"数時間") count as three of the unit, "half a day" / "半天" / "半日" as twelve hours.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_VAGUE = 3.0  # "a few", "several", "几", "幾", "数"

_UNITS: tuple[tuple[str, float], ...] = (
    (r"min(?:ute)?s?\b|分钟|分鐘|分間|分", 1 / 60),
    (r"h(?:ou)?rs?\b|h\b|hours?\b|个?小时|個?小時|个?钟头?|個?鐘頭?|時間", 1.0),
    (r"days?\b|天|日間|日", 24.0),
    (r"weeks?\b|个?星期|個?星期|周|週間|週", 24.0 * 7),
)
_NUMBER = (
    r"(?<![月/\-.\d])(?P<num>\d+(?:\.\d+)?|十几|十幾|好幾|好几|[零〇一二两兩三四五六七八九十百半]+|"
    r"(?<![A-Za-z])(?:a\s+few|few|several|couple\s+of|an|a|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|twelve)|几|幾|数)"
)
_PATTERN = re.compile(
    _NUMBER
    + r"\s*(?:more\s+)?(?:多)?\s*(?P<unit>"
    + "|".join(f"(?:{unit})" for unit, _ in _UNITS)
    + r")(?:以上|多)?",
    re.IGNORECASE,
)
_UNIT_RES = [(re.compile(unit, re.IGNORECASE), hours) for unit, hours in _UNITS]
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_WORDS.update({"seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12})
_HALF_DAY = re.compile(r"half\s+a\s+day|半天|半日|半日以上", re.IGNORECASE)
_YESTERDAY = re.compile(r"since\s+yesterday|yesterday|昨天|昨日|昨晚|昨夜|last\s+night", re.I)
_PLURAL_ALONE = re.compile(r"\bfor\s+(hours|days)\b", re.IGNORECASE)
_SINCE_DATE = re.compile(r"(?:since|from|自|从|從)\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")


@dataclass(frozen=True, slots=True)
class Duration:
    hours: float
    text: str


def _cn_number(text: str) -> float | None:
    if text == "半":
        return 0.5
    if text in ("十几", "十幾"):
        return 15.0
    total, current = 0, 0
    for char in text:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)


def _number(text: str) -> float | None:
    lowered = " ".join(text.lower().split())
    if lowered in ("a few", "few", "several", "couple of", "几", "幾", "数", "好幾", "好几"):
        return 2.0 if lowered == "couple of" else _VAGUE
    if lowered in _WORDS:
        return float(_WORDS[lowered])
    try:
        return float(lowered)
    except ValueError:
        return _cn_number(lowered)


def parse_durations(text: str, *, now: datetime | None = None) -> list[Duration]:
    """Every duration mentioned in the text, in hours, in order of appearance."""
    text = unicodedata.normalize("NFKC", text)
    found: list[Duration] = []
    for match in _PATTERN.finditer(text):
        value = _number(match.group("num"))
        unit = match.group("unit")
        hours_per = next((h for pattern, h in _UNIT_RES if pattern.fullmatch(unit)), None)
        if value is None or hours_per is None:
            continue
        found.append(Duration(value * hours_per, match.group(0).strip()))
    for pattern, hours in ((_HALF_DAY, 12.0), (_YESTERDAY, 12.0)):
        found.extend(Duration(hours, m.group(0)) for m in pattern.finditer(text))
    for match in _PLURAL_ALONE.finditer(text):
        found.append(Duration(_VAGUE * (24.0 if match.group(1) == "days" else 1.0), match.group(0)))
    for match in _SINCE_DATE.finditer(text):
        try:
            start = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
        today = (now or datetime.now(UTC)).date()
        if start <= today:
            found.append(Duration((today - start).days * 24.0, match.group(0)))
    return found


def longest(text: str, *, now: datetime | None = None) -> Duration | None:
    durations = parse_durations(text, now=now)
    return max(durations, key=lambda d: d.hours) if durations else None


def as_timedelta(duration: Duration) -> timedelta:
    return timedelta(hours=duration.hours)
