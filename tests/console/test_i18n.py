"""The console speaks English, Simplified Chinese and Japanese (Django's i18n)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.console.conftest import Desk, login

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.LOCALE_PATHS[0])


@pytest.mark.parametrize(
    ("accept", "expected", "english"),
    [
        ("ja", "受信トレイ", "Inbox"),
        ("zh-CN,zh;q=0.9", "收件箱", "Inbox"),
        ("en", "Inbox", "受信トレイ"),
    ],
)
def test_accept_language_picks_the_console_language(
    desk: Desk, accept: str, expected: str, english: str
) -> None:
    client = login(desk.agent, HTTP_ACCEPT_LANGUAGE=accept)
    body = client.get(reverse("console:inbox")).content.decode()
    assert expected in body
    assert f">{english}<" not in body


def test_japanese_reaches_choices_forms_and_the_login_page(desk: Desk) -> None:
    client = login(desk.agent, HTTP_ACCEPT_LANGUAGE="ja")
    inbox = client.get(reverse("console:inbox")).content.decode()
    assert 'lang="ja"' in inbox
    assert "新規" in inbox  # TicketStatus.NEW
    assert "優先度" in inbox  # the Priority column
    ticket = client.get(reverse("console:ticket", args=[desk.en_ticket.pk])).content.decode()
    assert "返信を送信" in ticket  # "Send reply"
    assert "社内メモ" in ticket  # "Internal note"
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="ja").get(reverse("console:login"))
    assert "メールアドレス" in anonymous.content.decode()


def test_language_switcher_sets_the_language_for_the_session(desk: Desk) -> None:
    client = login(desk.agent)
    response = client.post(reverse("console:set_language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    body = client.get(reverse("console:inbox")).content.decode()
    assert "收件箱" in body
    assert 'lang="zh-hans"' in body


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n")


def _po_entries(path: Path) -> dict[str, str]:
    """msgid -> msgstr of a .po file (enough of the format for what makemessages writes)."""
    entries: dict[str, str] = {}
    key = None
    current: dict[str, str] = {}
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        match = re.match(r'^(msgid|msgstr) "(.*)"$', line)
        if match:
            key = match.group(1)
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
        elif not line.strip():
            if current.get("msgid"):
                entries[_unescape(current["msgid"])] = _unescape(current.get("msgstr", ""))
            current, key = {}, None
    return entries


@pytest.mark.parametrize("language", ["ja", "zh_Hans"])
def test_catalogs_are_complete_and_compiled(language: str) -> None:
    po = _po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(po) > 100
    untranslated = [msgid for msgid, msgstr in po.items() if not msgstr]
    assert untranslated == []
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr in po.items() if compiled.gettext(msgid) != msgstr]
    assert stale == [], "run compilemessages"
