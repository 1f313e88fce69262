"""The Chats panel in a real browser: an offer pops up live with its countdown, the agent
accepts, sees the visitor type and write, answers, and ends the chat.

Same set-up as test_browser.py: Chromium against the real ASGI app served by uvicorn in a
thread of this process, on the test database and the configured channel layer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.console.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    live_desk,
    off_loop,
    signed_in_page,
)
from tests.routing.chat_helpers import make_chat, make_chat_agent, make_widget
from vigil.channels.chat.services import agent_frame_send, chat_message_receive
from vigil.channels.models import ChatSession
from vigil.core.models import Event
from vigil.routing.chat_queue import chat_queue_changed
from vigil.tickets.choices import Direction
from vigil.tickets.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["live_desk"]  # the fixture, imported


def test_offer_accept_converse_and_end(live_desk: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    agent = make_chat_agent(email="ann@desk.test", display_name="Ann", chat_capacity=2)
    widget = make_widget(offer_timeout_s=120)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = signed_in_page(browser, live_desk, "ann@desk.test")
            expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

            # A visitor starts a chat: the offer pops up on the inbox, counting down.
            chat = off_loop(lambda: make_chat(widget=widget))
            off_loop(lambda: chat_queue_changed(language="en"))
            offer = page.locator(f".chat-offer[data-session='{chat.pk}']")
            expect(offer).to_be_visible()
            expect(offer.locator(".countdown")).to_have_text(re.compile(r"^1[01]\d s$"))

            offer.locator("[data-action=accept]").click()
            expect(page).to_have_url(re.compile(rf"/chats/\?chat={chat.pk}$"))
            thread = page.locator("#chat-thread")
            expect(thread).to_contain_text("my withdrawal is stuck")
            expect(page.locator(".chat-offer")).to_have_count(0)
            expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

            # The visitor types, then writes: both show up live.
            off_loop(
                lambda: agent_frame_send(
                    agent_id=agent.pk,
                    frame={"type": "chat_typing", "session": chat.pk, "on": True},
                )
            )
            expect(page.locator("#chat-typing")).to_be_visible()
            session = off_loop(lambda: ChatSession.objects.get(pk=chat.pk))
            off_loop(
                lambda: chat_message_receive(
                    session=session, client_id="c-2", text="The TXID is 0xabc123"
                )
            )
            expect(thread).to_contain_text("The TXID is 0xabc123")
            expect(page.locator("#chat-typing")).to_be_hidden()

            # The agent answers; the reply is a ticket reply, delivered on the chat stream.
            page.fill("#chat-reply-text", "Thanks, checking the chain now")
            page.click("#chat-reply-form button[type=submit]")
            expect(thread).to_contain_text("Thanks, checking the chain now")
            reply = off_loop(
                lambda: Message.objects.get(ticket_id=chat.ticket_id, direction=Direction.OUTBOUND)
            )
            assert reply.author_agent_id == agent.pk
            texts = off_loop(
                lambda: list(
                    Event.objects.filter(
                        stream__name=f"chat:{chat.pk}", type="chat.message"
                    ).values_list("payload__text", flat=True)
                )
            )
            assert "Thanks, checking the chain now" in texts

            # End the chat (confirmed): it leaves the panel.
            page.on("dialog", lambda dialog: dialog.accept())
            page.click("#chat-close-form button[type=submit]")
            expect(page.locator(".chat-empty")).to_be_visible()
            state = off_loop(lambda: ChatSession.objects.get(pk=chat.pk).state)
            assert state == ChatSession.State.ENDED
            page.screenshot(path=str(tmp_path / "chats.png"))
        finally:
            browser.close()
