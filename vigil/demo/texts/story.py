"""The shape of a demo story. See vigil.demo.texts."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.tickets.choices import Category, Priority


@dataclass(frozen=True, kw_only=True)
class Story:
    category: Category
    subject: str
    opening: str
    follow_up: str = ""
    reply: str
    resolution: str
    note: str
    priority: Priority = Priority.NORMAL
    tags: tuple[str, ...] = ()
    coin: str = ""  # the coin the story is about, when it insists on one
