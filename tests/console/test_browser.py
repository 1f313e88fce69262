"""The console in a real browser: a message arrives live, the agent replies, the reply is stored.

Chromium (Debian's, through Playwright) talks to the real ASGI application served by uvicorn
on a loopback port, against the test database and the configured channel layer (in-memory, or
Redis when VIGIL_REDIS_URL is set). The server runs in a thread of this process, so the
in-memory layer carries the event from message_ingest() to the agent's socket.
"""

from __future__ import annotations

import importlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from django.db import close_old_connections

from tests.conftest import require
from tests.factories.accounts import PASSWORD, make_agent, make_team
from tests.factories.tickets import inbound
from vigil.tickets.choices import Direction
from vigil.tickets.ingestion import message_ingest
from vigil.tickets.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = 20.0
LIVE_TIMEOUT_MS = 15_000


def signed_in_page(browser: Any, desk: str, email: str, path: str = "/") -> Any:
    """A desktop-sized page of `browser`, signed in to the console as `email` through the
    login form and landed on `path`."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(LIVE_TIMEOUT_MS)
    page.goto(f"{desk}/login/" + (f"?next={path}" if path != "/" else ""))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def off_loop[T](fn: Callable[[], T]) -> T:
    """Run database work on a plain thread: Playwright's sync API keeps an event loop running
    on this one, where Django refuses synchronous queries."""

    def call() -> T:
        try:
            return fn()
        finally:
            close_old_connections()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result(timeout=60)


class ThreadedServer:
    """uvicorn serving vigil.asgi on a free loopback port, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, lifespan="off", log_level="warning", ws="auto"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="console-uvicorn", daemon=True)

    def start(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_desk(transactional_db: None, settings: Any) -> Iterator[str]:
    require(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
    # Serve static files from the apps (no collectstatic in tests); WhiteNoise reads this when
    # the middleware is built, so the ASGI application is built afresh below.
    settings.WHITENOISE_USE_FINDERS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    asgi = importlib.reload(importlib.import_module("vigil.asgi"))
    server = ThreadedServer(asgi.application)
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def test_new_message_appears_live_and_the_reply_is_stored(live_desk: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    team = make_team(name="English support")
    agent = make_agent(email="ann@desk.test", display_name="Ann", teams=(team,))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = signed_in_page(browser, live_desk, "ann@desk.test")
            expect(page.locator("#inbox-results")).to_be_visible()
            expect(page.locator("tr.empty")).to_be_visible()  # nothing yet
            expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")
            # Proof there is no reload: a page-lifetime marker must survive until the end.
            page.evaluate("window.__sameDocument = 'yes'")

            result = off_loop(
                lambda: message_ingest(
                    inbound=inbound(
                        subject="USDT deposit not credited after 40 confirmations",
                        text="TxID 0x9f3c… shows 40 confirmations but my balance is unchanged.",
                        sender_name="Mia Chen",
                    )
                )
            )
            ticket = result.ticket
            row = page.locator(f"#ticket-row-{ticket.pk}")
            expect(row).to_be_visible()
            expect(row).to_contain_text("USDT deposit not credited")
            expect(row).to_contain_text("Mia Chen")
            expect(row).to_have_class(re.compile(r"\bis-new\b"))  # highlighted as it arrives
            assert page.evaluate("window.__sameDocument") == "yes"
            page.screenshot(path=str(tmp_path / "inbox.png"))

            row.locator("a.subject").click()
            expect(page.locator("#thread .msg-inbound")).to_contain_text("40 confirmations")
            reply = "Thanks Mia, the deposit is being credited now."
            page.fill("#reply-text", reply)
            page.click("#reply-form button[type=submit]")
            expect(page.locator("#thread .msg-outbound")).to_contain_text(reply)
            expect(page.locator("#reply-text")).to_have_value("")

            # The open ticket follows the customer's next message live, too.
            page.evaluate("window.__sameDocument = 'ticket'")
            off_loop(
                lambda: message_ingest(
                    inbound=inbound(
                        ticket=ticket,
                        sender_address=ticket.customer.email,
                        text="Credited, thank you!",
                    )
                )
            )
            expect(page.locator("#thread .msg-inbound").last).to_contain_text("Credited")
            expect(page.locator("#thread .msg-inbound")).to_have_count(2)
            assert page.evaluate("window.__sameDocument") == "ticket"
            page.screenshot(path=str(tmp_path / "ticket.png"))
        finally:
            browser.close()

    stored = off_loop(
        lambda: list(
            Message.objects.filter(ticket_id=ticket.pk, direction=Direction.OUTBOUND).values_list(
                "text", "author_agent_id"
            )
        )
    )
    assert stored == [(reply, agent.pk)]
