"""desk-socket.js in Chromium against a real uvicorn: live events, resume after the server
restarts, reset when too far behind, and no reconnect loop once signed out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import BrowserContext, Page, sync_playwright

from tests.conftest import require
from tests.factories.accounts import make_agent
from tests.factories.tickets import ingest
from tests.realtime.helpers import session_cookie
from tests.realtime.servers import Server, ServerPool, server_pool
from vigil.accounts.services import api_token_create
from vigil.core.events import DESK_STREAM
from vigil.core.selectors import stream_last_seq

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCRIPT = Path(settings.BASE_DIR) / "realtime" / "static" / "realtime" / "desk-socket.js"
STORAGE_KEY = "vigil.desk-socket.seq:/ws/desk/"


def off_loop[T](fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run database work on a thread of its own: Playwright's sync API keeps an event loop
    running in this one, where Django refuses synchronous queries."""

    def call() -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(call).result(timeout=60)


RECORD = """() => {
  window.__vigil = [];
  for (const name of ["vigil:event", "vigil:reset", "vigil:status"]) {
    document.addEventListener(name, (e) => window.__vigil.push({name, ...e.detail}));
  }
}"""


@pytest.fixture
def browser() -> Iterator[BrowserContext]:
    require(Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium.new_context()
        finally:
            chromium.close()


@pytest.fixture
def pool() -> Iterator[ServerPool]:
    # One process: the in-memory layer, or Redis when the suite runs with it.
    with server_pool(redis_url=settings.CONFIG.redis_url) as running:
        yield running


def open_console(page: Page, server: Server) -> None:
    """A same-origin page whose body asks for the socket, as the console's pages do."""
    page.goto(f"{server.http}/healthz")
    page.evaluate(RECORD)
    page.evaluate("() => { document.body.dataset.vigilSocket = '/ws/desk/'; }")
    page.add_script_tag(path=str(SCRIPT))


def recorded(page: Page, name: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = page.evaluate(
        "(name) => window.__vigil.filter((e) => e.name === name)", name
    )
    return entries


def wait_for(page: Page, condition: str, timeout: float = 15) -> None:
    page.wait_for_function(f"() => {condition}", timeout=timeout * 1000)


def post_ticket(server: Server, token: str, subject: str) -> int:
    response = httpx.post(
        f"{server.http}/api/v1/tickets",
        headers={"Authorization": f"Bearer {token}"},
        json={"customer": {"email": "trader@example.com"}, "subject": subject, "text": "Help"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    ticket_id: int = response.json()["id"]
    return ticket_id


def test_desk_socket_js_is_live_resumes_resets_and_stops_when_signed_out(
    browser: BrowserContext, pool: ServerPool
) -> None:
    server = pool.start()
    agent = off_loop(make_agent)
    _, token = off_loop(api_token_create, agent=agent, name="browser test")
    cookie = off_loop(session_cookie, agent.user)
    browser.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": server.http}]
    )
    start = off_loop(stream_last_seq, stream=DESK_STREAM)
    page = browser.new_page()
    try:
        open_console(page, server)
        wait_for(page, "window.__vigil.some((e) => e.state === 'live')")
        assert page.evaluate("() => window.vigilDeskSocket.lastSeq") == start

        ticket_id = post_ticket(server, token, "Deposit not credited")
        wait_for(page, "window.__vigil.filter((e) => e.name === 'vigil:event').length >= 2")
        first = recorded(page, "vigil:event")
        assert [(e["seq"], e["event"]) for e in first] == [
            (start + 1, "ticket.created"),
            (start + 2, "message.added"),
        ]
        assert first[0]["payload"]["ticket_id"] == ticket_id

        # The server goes away; the desk carries on; the server comes back on the same port.
        server.stop()
        wait_for(page, "window.__vigil.at(-1).state === 'offline'")
        off_loop(ingest, subject="While the server was down")
        off_loop(ingest, subject="Also while down")
        pool.start(port=server.port)
        wait_for(page, "window.__vigil.filter((e) => e.name === 'vigil:event').length >= 6", 40)
        wait_for(page, "window.__vigil.at(-1).state === 'live'")
        seen = [e["seq"] for e in recorded(page, "vigil:event")]
        assert seen == list(range(start + 1, start + 7))  # in order, nothing twice
        assert page.evaluate(f"() => sessionStorage.getItem('{STORAGE_KEY}')") == str(start + 6)

        # A reload resumes from sessionStorage; one far ahead of the server is reset.
        page.evaluate(f"() => sessionStorage.setItem('{STORAGE_KEY}', '999999')")
        open_console(page, server)
        wait_for(page, "window.__vigil.some((e) => e.name === 'vigil:reset')")
        assert recorded(page, "vigil:reset")[0]["seq"] == start + 6
        wait_for(page, "window.__vigil.at(-1).state === 'live'")

        # Signed out: told so, and no reconnect loop.
        browser.clear_cookies()
        open_console(page, server)
        wait_for(page, "window.__vigil.some((e) => e.state === 'offline' && e.code === 4401)")
        page.wait_for_timeout(2500)
        states = [e["state"] for e in recorded(page, "vigil:status")]
        assert states == ["connecting", "offline"]
    except BaseException:
        print(pool.outputs())
        raise
    finally:
        page.close()
