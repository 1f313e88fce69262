"""The browsers' side of the widget's browser tests (test_widget_browser.py): pages and
contexts, the host page with the snippet, the visitor in the widget (`Customer`), the agent
in the console's Chats panel (`AgentDesk`), attachments and a network drop."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.channels.chat.widget_support import OPEN_SHADOW, WIDGET_JS, TcpProxy
from tests.console.test_browser import CHROMIUM_ARGS
from tests.factories.accounts import PASSWORD
from vigil.accounts.models import Agent
from vigil.channels.models import ChatSession

# The "third-party site" is served by the test's router and the desk is on loopback: without
# this Chromium blocks a public page's requests to a local address.
BROWSER_ARGS = [*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"]
TIMEOUT_MS = 15_000


def new_page(browser: Any, *, open_shadow: bool = True, **context: Any) -> Any:
    ctx = browser.new_context(**{"viewport": {"width": 1280, "height": 800}, **context})
    if open_shadow:
        ctx.add_init_script(OPEN_SHADOW)
    ctx.route("**/chat/widget.js", _widget_js)
    page = ctx.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("console", lambda m: print("console:", m.type, m.text))
    page.on("pageerror", lambda e: print("pageerror:", e))
    return page


def _widget_js(route: Any) -> None:
    """The desk's /chat/widget.js; until that view exists, the file itself."""
    response = route.fetch()
    if response.status == 200:
        route.fulfill(response=response)
    else:
        route.fulfill(content_type="text/javascript", body=WIDGET_JS.read_text())


SHOP = "http://shop.test"


def host_page(page: Any, *, desk_url: str, key: str, css: str = "") -> None:
    """A third-party site (an exchange's page) with the snippet, served by the browser's
    router; the widget comes from the desk."""
    html = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Exchange</title><style>{css}</style></head>
<body><h1>Spot trading</h1><p>Trade BTC, ETH and more.</p>
<script src="{desk_url}/chat/widget.js" data-widget="{key}" async></script>
</body></html>"""
    page.route(f"{SHOP}/**", lambda route: route.fulfill(content_type="text/html", body=html))
    page.goto(f"{SHOP}/trade")


def demo_page(page: Any, *, desk_url: str, key: str) -> None:
    """The desk's own test host page for a widget (h1's /chat/demo/<key>/), else a host page."""
    response = page.goto(f"{desk_url}/chat/demo/{key}/")
    if response is None or response.status != 200:
        host_page(page, desk_url=desk_url, key=key)


def visitor(browser: Any, *, desk_url: str, key: str) -> Customer:
    """A visitor on the desk's demo host page, the widget's panel open."""
    page = new_page(browser)
    demo_page(page, desk_url=desk_url, key=key)
    customer = Customer(page)
    customer.open()
    return customer


class Customer:
    """The visitor's hands and eyes on the widget (its shadow root opened for the test)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.w = page.locator("[data-vigil-chat]")

    def el(self, selector: str) -> Any:
        return self.w.locator(selector)

    def open(self) -> None:
        self.el(".launcher").click()
        expect(self.el(".panel")).to_be_visible()

    def start(self, text: str, *, category: str | None = None, email: str = "") -> None:
        form = self.el("form.pre")
        expect(form.locator("select[name=language] option").first).to_be_attached()
        if category:
            form.locator("select[name=category]").select_option(category)
        if email:
            form.locator("input[name=email]").fill(email)
        form.locator("textarea[name=message]").fill(text)
        form.locator("button[type=submit]").click()
        expect(self.el("form.composer")).to_be_visible()
        expect(self.bubble(text)).to_have_attribute("data-id", re.compile(r"^\d+$"))  # stored

    def send(self, text: str) -> None:
        box = self.el("form.composer textarea")
        box.fill(text)
        box.press("Enter")

    def bubble(self, text: str) -> Any:
        return self.el("ol.log li.msg").filter(has_text=text)

    def state(self) -> str:
        return str(self.el(".root").get_attribute("data-state"))


# --- the agent: the console's chats panel ---------------------------------------------------------


class AgentDesk:
    """An agent in a second browser context, logged into the console: offers, acceptance,
    the conversation and replies in its Chats panel."""

    def __init__(self, browser: Any, *, desk_url: str, agent: Agent) -> None:
        self.agent = agent
        self.page = new_page(browser, open_shadow=False)
        self.page.goto(f"{desk_url}/login/")
        self.page.fill("input[name=username]", agent.user.email)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")
        expect(self.page.locator("#live-indicator")).to_have_attribute("data-state", "live")
        self.page.goto(f"{desk_url}/chats/")
        expect(self.page.locator("#live-indicator")).to_have_attribute("data-state", "live")

    def accept(self, session: ChatSession) -> None:
        offer = self.page.locator(f".chat-offer[data-session='{session.pk}']")
        offer.locator("button[data-action=accept]").click()
        expect(self.page.locator("#chat-reply-text")).to_be_visible()
        # The panel reloads on accept: wait for its socket before counting on live frames.
        expect(self.page.locator("#live-indicator")).to_have_attribute("data-state", "live")

    def reply(self, text: str) -> None:
        self.page.fill("#chat-reply-text", text)
        self.page.click("#chat-reply-form button[type=submit]")
        expect(self.page.locator("#chat-thread .msg-outbound").last).to_contain_text(text)

    def sees(self, texts: list[str]) -> None:
        """The customer's last messages, each once and in this order, live in the panel."""
        bodies = self.page.locator("#chat-thread .msg-inbound .msg-body")
        expect(bodies.filter(has_text=texts[-1])).to_have_count(1)
        seen = [t.strip() for t in bodies.all_inner_texts()]
        assert seen[-len(texts) :] == texts, seen
        for text in texts:
            assert seen.count(text) == 1, seen

    def typing_shown(self) -> Any:
        return self.page.locator("#chat-typing")


def png_of(page: Any) -> bytes:
    data: bytes = page.screenshot(type="png")
    return data


PASTE_IMAGE = """async (box) => {
  const canvas = document.createElement("canvas");
  canvas.width = 40; canvas.height = 30;
  const g = canvas.getContext("2d"); g.fillStyle = "#c0392b"; g.fillRect(0, 0, 40, 30);
  const blob = await new Promise((done) => canvas.toBlob(done, "image/png"));
  const data = new DataTransfer();
  data.items.add(new File([blob], "image.png", {type: "image/png"}));
  box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true,
    cancelable: true}));
  return blob.size;
}"""


def attach_and_send(customer: Customer, text: str, attach: Callable[[], None]) -> None:
    attach()
    chip = customer.el(".chips .chip")
    expect(chip).to_have_count(1)
    expect(chip).not_to_have_attribute("aria-busy", "true")  # uploaded
    customer.send(text)
    expect(customer.el(".chips .chip")).to_have_count(0)
    expect(customer.bubble(text).locator(".meta")).to_have_text(re.compile("^(Sent|Read)$"))


def drop_and_return(
    customer: Customer, proxy: TcpProxy, texts: list[str], pending: Callable[[], list[str]]
) -> None:
    """Cut the customer's connection for real, write while it is down, bring it back."""
    root = customer.el(".root")
    expect(root).to_have_attribute("data-state", "live")
    assert proxy.cut() > 0
    expect(root).to_have_attribute("data-state", re.compile("offline|connecting"))
    for text in texts:
        customer.send(text)
        expect(customer.bubble(text).locator(".meta")).to_have_text("Sending…")
    expect(customer.el(".status")).to_be_visible()
    assert not set(texts) & set(pending()), "stored while the network was down"
    proxy.restore()
    expect(root).to_have_attribute("data-state", "live", timeout=30_000)
    for text in texts:
        expect(customer.bubble(text)).to_have_count(1)
        expect(customer.bubble(text).locator(".meta")).to_have_text(re.compile("^(Sent|Read)$"))
