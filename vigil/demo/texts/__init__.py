"""What the demo desk's customers write and how its agents answer, per language.

See docs/architecture.md#the-apps. Each Story is one kind of customer problem: the first message,
an optional second message, the agent's first answer, the answer that solves it and an
internal note. Texts are str.format templates; vigil.demo.fill supplies the values.
"""

from __future__ import annotations

from vigil.demo.texts import en, ja, zh_hans, zh_hant
from vigil.demo.texts.story import Story

BY_LANGUAGE: dict[str, tuple[Story, ...]] = {
    "en": en.STORIES,
    "zh-hans": zh_hans.STORIES,
    "zh-hant": zh_hant.STORIES,
    "ja": ja.STORIES,
}


def stories(language: str) -> tuple[Story, ...]:
    return BY_LANGUAGE[language]
