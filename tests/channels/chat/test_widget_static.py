"""The chat widget as a file: small enough, and every interface string translated.

See docs/architecture.md#widget; the browser tests are in test_widget_browser.py.
"""

from __future__ import annotations

import gzip
import re

from tests.channels.chat.widget_support import WIDGET_JS


def test_the_widget_is_under_40_kb_gzipped() -> None:
    raw = WIDGET_JS.read_bytes()
    size = len(gzip.compress(raw, compresslevel=6))
    assert size < 40 * 1024, f"widget.js is {size} bytes gzipped"


def _string_tables() -> dict[str, set[str]]:
    text = WIDGET_JS.read_text()
    block = text[text.index("var STRINGS = {") : text.index("var LANGUAGE_NAMES")]
    tables: dict[str, set[str]] = {}
    for match in re.finditer(r'^    ("?[\w-]+"?): \{(.*?)^    \},', block, re.S | re.M):
        name = match.group(1).strip('"')
        tables[name] = set(re.findall(r"(\w+): \"", match.group(2)))
    return tables


def test_every_string_is_translated_to_chinese_and_japanese() -> None:
    tables = _string_tables()
    assert set(tables) == {"en", "zh-hans", "ja"}
    assert len(tables["en"]) > 40
    for locale in ("zh-hans", "ja"):
        assert tables[locale] == tables["en"], (locale, tables["en"] ^ tables[locale])
