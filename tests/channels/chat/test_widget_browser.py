"""The chat widget in a real browser against a real server.

Chromium (Debian's, through Playwright) loads a host page with the widget's snippet, from a
uvicorn serving vigil.asgi on loopback (or two uvicorn processes sharing Redis), through a TCP
proxy the test can cut. The agent is a second browser context in the console's Chats panel;
the chats ahead in the queue are opened and served through the desk's services.
See docs/architecture.md#widget.
"""

from __future__ import annotations

import importlib
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.channels.chat.widget_support import OPEN_SHADOW, WIDGET_JS, TcpProxy, make_widget
from tests.conftest import require
from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS, ThreadedServer, off_loop
from tests.factories.accounts import PASSWORD, make_agent
from vigil.accounts.choices import Presence
from vigil.accounts.models import Agent
from vigil.channels.models import ChannelAccount, ChatSession
from vigil.tickets.choices import Direction
from vigil.tickets.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The "third-party site" is served by the test's router and the desk is on loopback: without
# this Chromium blocks a public page's requests to a local address.
BROWSER_ARGS = [*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"]
TIMEOUT_MS = 15_000
HOSTILE_CSS = """
*:not(html):not(body) { display: none !important; }
* { font-size: 2px !important; line-height: 0 !important; color: transparent !important;
    visibility: hidden !important; letter-spacing: 30px !important;
    transform: scale(0.1) !important; opacity: 0.01 !important; }
html, body { visibility: visible !important; }
div, button, input, textarea, select { all: unset !important; }
"""


# --- servers and browsers ------------------------------------------------------------------


@contextmanager
def proxied(port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def desk(transactional_db: None, settings: Any) -> Iterator[TcpProxy]:
    """The desk served in this process, reached through a proxy the test can cut."""
    require(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
    settings.WHITENOISE_USE_FINDERS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()  # rate-limit counters of earlier tests
    asgi = importlib.reload(importlib.import_module("vigil.asgi"))
    server = ThreadedServer(asgi.application)
    url = server.start()
    try:
        with proxied(int(url.rsplit(":", 1)[1])) as proxy:
            yield proxy
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    expect.set_options(timeout=TIMEOUT_MS)  # two cores shared with other work: be patient
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=BROWSER_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


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


# --- the agent's side, through the desk's services --------------------------------------------


def chat_of(ticket_text: str) -> ChatSession:
    message = Message.objects.filter(text=ticket_text, direction=Direction.INBOUND).get()
    return ChatSession.objects.select_related("account", "ticket").get(ticket_id=message.ticket_id)


def queue_changed(language: str = "en") -> None:
    from vigil.routing.chat_queue import chat_queue_changed

    chat_queue_changed(language=language)


def serve(session: ChatSession, agent: Agent) -> None:
    """An agent takes a waiting chat; the queue moves up."""
    from vigil.channels.chat.services import chat_agent_join

    chat_agent_join(session=session, agent=agent)
    queue_changed(session.language)


def reply(session: ChatSession, agent: Agent, text: str) -> Message:
    from vigil.tickets.services import message_reply

    session.ticket.refresh_from_db()
    return message_reply(ticket=session.ticket, agent=agent, text=text)


def open_chat(account: ChannelAccount, text: str) -> ChatSession:
    """Another visitor's chat, opened as the socket would open it."""
    from vigil.channels.chat.services import chat_start

    return chat_start(
        account=account, client_id=str(uuid.uuid4()), text=text, language="en"
    ).session


def inbound_texts(session: ChatSession) -> list[str]:
    return list(
        Message.objects.filter(ticket_id=session.ticket_id, direction=Direction.INBOUND)
        .order_by("id")
        .values_list("text", flat=True)
    )


def wait_for(predicate: Callable[[], bool], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


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


def attachments_of(session: ChatSession) -> list[tuple[str, str, int]]:
    from vigil.tickets.models import Attachment

    return list(
        Attachment.objects.filter(message__ticket_id=session.ticket_id)
        .order_by("id")
        .values_list("filename", "content_type", "size")
    )


def come_online(agent: Agent) -> None:
    """The agent goes online; the queue is dispatched again (offers to them)."""
    Agent.objects.filter(pk=agent.pk).update(presence=Presence.ONLINE)
    queue_changed(agent.languages[0])


# --- (a) one process: queue, agent, attachments, typing, read, network drop --------------------


def test_customer_queues_talks_to_an_agent_and_survives_a_network_drop(
    desk: TcpProxy, browser: Any, tmp_path: Path
) -> None:
    account = off_loop(make_widget)
    bob = off_loop(lambda: make_agent(display_name="Bob", presence=Presence.AWAY))
    ann = off_loop(
        lambda: make_agent(email="ann@desk.test", display_name="Ann", presence=Presence.AWAY)
    )
    others = off_loop(lambda: [open_chat(account, f"Other visitor {n}") for n in (1, 2)])

    customer = visitor(browser, desk_url=desk.url, key=account.address)
    page = customer.page
    first = "My BTC withdrawal has been pending for two hours"
    customer.start(first)
    queue = customer.el(".queue")
    expect(queue).to_have_attribute("data-position", "3")
    expect(queue).to_contain_text("You are number 3 in the queue.")
    expect(queue).to_contain_text("No agent who speaks your language is online")
    expect(queue.get_by_role("button", name="Leave a message")).to_be_visible()
    session = off_loop(lambda: chat_of(first))

    # The chats ahead are served: the position falls, live.
    off_loop(lambda: serve(others[0], bob))
    expect(queue).to_have_attribute("data-position", "2")
    expect(queue).to_contain_text("You are number 2 in the queue.")
    off_loop(lambda: serve(others[1], bob))
    expect(queue).to_have_attribute("data-position", "1")
    expect(queue).to_contain_text("You are next in the queue.")

    # Ann comes online; the chat is offered to her and she accepts it in the console.
    agent = AgentDesk(browser, desk_url=desk.url, agent=ann)
    off_loop(lambda: come_online(ann))
    agent.accept(session)
    expect(customer.el("ol.log")).to_contain_text("Ann joined the chat.")
    expect(queue).to_be_hidden()

    # Both ways: text, the agent's name, typing, read state.
    box = customer.el("form.composer textarea")
    box.press_sequentially("The TxID is 0x9f3c", delay=20)
    expect(agent.typing_shown()).to_be_visible()  # the visitor's typing reaches the agent
    box.press("Enter")
    expect(agent.typing_shown()).to_be_hidden()  # sending ends it
    agent.sees([first, "The TxID is 0x9f3c"])
    off_loop(lambda: typing(session, ann, True))
    expect(customer.el(".typing")).to_have_text("Ann is typing…")
    agent.reply("Thanks, I am checking the withdrawal now.")
    answer = customer.bubble("I am checking the withdrawal")
    expect(answer.locator(".who")).to_have_text("Ann")
    expect(answer).to_have_class(re.compile(r"\bagent\b"))
    expect(customer.el(".typing")).to_have_text("")  # a message ends the agent's typing
    last = off_loop(lambda: last_inbound_id(session))
    off_loop(lambda: read_up_to(session, ann, last))
    expect(customer.bubble("The TxID is 0x9f3c").locator(".meta")).to_have_text("Read")

    # A screenshot (PNG) from the file picker, and an image pasted from the clipboard.
    shot = png_of(page)
    picker = customer.el("form.composer input[type=file]")
    attach_and_send(
        customer,
        "Here is the screenshot",
        lambda: picker.set_input_files(
            files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": shot}]
        ),
    )
    image = customer.bubble("Here is the screenshot").locator(".files img")
    expect(image).to_have_attribute("src", re.compile(r"/files/\d+/?\?t="))
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 1280  # served back to the visitor
    pasted_size = 0

    def paste() -> None:
        nonlocal pasted_size
        pasted_size = customer.el("form.composer textarea").evaluate(PASTE_IMAGE)

    attach_and_send(customer, "And a pasted one", paste)
    expect(customer.bubble("And a pasted one").locator(".files img")).to_be_visible()
    files = off_loop(lambda: attachments_of(session))
    assert files == [
        ("screenshot.png", "image/png", len(shot)),
        ("pasted-image.png", "image/png", pasted_size),
    ]
    agent.sees(["Here is the screenshot", "And a pasted one"])

    # The network drops; what the customer writes meanwhile arrives once, in order.
    during = ["Are you still there?", "My connection dropped", "Third line while offline"]
    drop_and_return(customer, desk, during, lambda: off_loop(lambda: inbound_texts(session)))
    agent.sees(during)
    texts = off_loop(lambda: inbound_texts(session))
    assert texts[-3:] == during and all(texts.count(t) == 1 for t in during)
    assert off_loop(lambda: ChatSession.objects.filter(account=account).count()) == 3
    page.screenshot(path=str(tmp_path / "customer.png"))
    agent.page.screenshot(path=str(tmp_path / "agent.png"))


def typing(session: ChatSession, agent: Agent, on: bool) -> None:
    from vigil.routing.chat_agent import chat_agent_typing

    session.refresh_from_db()
    chat_agent_typing(session=session, agent=agent, on=on)


def read_up_to(session: ChatSession, agent: Agent, message_id: int) -> None:
    from vigil.routing.chat_agent import chat_agent_read

    session.refresh_from_db()
    chat_agent_read(session=session, agent=agent, message_id=message_id)


def last_inbound_id(session: ChatSession) -> int:
    return int(
        Message.objects.filter(ticket_id=session.ticket_id, direction=Direction.INBOUND)
        .order_by("-id")
        .values_list("id", flat=True)[0]
    )


# --- (c) a reload resumes the conversation ----------------------------------------------------


def test_a_reload_resumes_the_session(desk: TcpProxy, browser: Any) -> None:
    account = off_loop(make_widget)
    ann = off_loop(lambda: make_agent(display_name="Ann"))
    customer = visitor(browser, desk_url=desk.url, key=account.address)
    page = customer.page
    first = "Deposit of 500 USDT on TRC20 not credited"
    customer.start(first, email="kai@example.com")
    session = off_loop(lambda: chat_of(first))
    off_loop(lambda: serve(session, ann))
    off_loop(lambda: reply(session, ann, "Hello Kai, which address did you send it to?"))
    expect(customer.bubble("which address")).to_be_visible()
    customer.send("TXYZ1234")
    expect(customer.bubble("TXYZ1234").locator(".meta")).to_have_text("Sent")
    off_loop(lambda: read_up_to(session, ann, last_inbound_id(session)))
    expect(customer.bubble("TXYZ1234").locator(".meta")).to_have_text("Read")

    page.reload()
    # The panel comes back open, with the whole conversation, each message once.
    expect(customer.el(".panel")).to_be_visible()
    expect(customer.el("ol.log")).to_contain_text("TXYZ1234")
    for text in (first, "Ann joined the chat.", "which address", "TXYZ1234"):
        expect(customer.el("ol.log li").filter(has_text=text)).to_have_count(1)
    expect(customer.bubble("which address").locator(".who")).to_have_text("Ann")
    expect(customer.bubble("TXYZ1234").locator(".meta")).to_have_text("Read")  # kept
    expect(customer.el("form.pre")).to_be_hidden()
    customer.send("Sent from the reloaded page")
    expect(customer.bubble("Sent from the reloaded page").locator(".meta")).to_have_text("Sent")
    assert off_loop(lambda: inbound_texts(session)) == [
        first,
        "TXYZ1234",
        "Sent from the reloaded page",
    ]
    assert off_loop(lambda: ChatSession.objects.filter(account=account).count()) == 1


# --- (d) the interface in Chinese and Japanese ---------------------------------------------------


@pytest.mark.parametrize(
    ("browser_locale", "language", "strings"),
    [
        ("zh-CN", "zh-hans", ["在线咨询", "语言", "问题类型", "开始对话", "下一位就是您。"]),
        ("ja-JP", "ja", ["チャットで問い合わせ", "言語", "お問い合わせの種類", "チャットを開始",
                         "次があなたの番です。"]),
    ],
)  # fmt: skip
def test_the_interface_follows_the_browser_language(
    desk: TcpProxy,
    browser: Any,
    tmp_path: Path,
    browser_locale: str,
    language: str,
    strings: list[str],
) -> None:
    account = off_loop(make_widget)
    page = new_page(browser, locale=browser_locale)
    demo_page(page, desk_url=desk.url, key=account.address)
    customer = Customer(page)
    launcher, label, category, start, next_in_line = strings
    expect(customer.el(".launcher")).to_contain_text(launcher)
    customer.open()
    form = customer.el("form.pre")
    expect(form.locator("select[name=language]")).to_have_value(language)
    expect(form).to_contain_text(label)
    expect(form).to_contain_text(category)
    expect(form.locator("button[type=submit]")).to_have_text(start)
    expect(customer.el(".root")).to_have_attribute("lang", language)
    page.screenshot(path=str(tmp_path / f"form-{language}.png"))
    text = {"zh-hans": "我的提币还没有到账", "ja": "出金がまだ届いていません"}[language]
    customer.start(text)
    expect(customer.el(".queue")).to_contain_text(next_in_line)
    page.screenshot(path=str(tmp_path / f"queue-{language}.png"))
    session = off_loop(lambda: chat_of(text))
    assert session.language == language


# --- (e) a phone ------------------------------------------------------------------------------


def test_on_a_phone_the_panel_fills_the_screen(
    desk: TcpProxy, browser: Any, tmp_path: Path
) -> None:
    account = off_loop(make_widget)
    page = new_page(
        browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        device_scale_factor=3,
    )  # fmt: skip
    demo_page(page, desk_url=desk.url, key=account.address)
    customer = Customer(page)
    customer.el(".launcher").tap()
    panel = customer.el(".panel")
    expect(panel).to_be_visible()
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
    expect(customer.el(".launcher")).to_be_hidden()
    customer.start("Cannot log in on my phone")
    expect(customer.bubble("Cannot log in").locator(".meta")).to_have_text("Sent")
    composer = customer.el("form.composer").bounding_box()
    assert composer is not None and composer["y"] + composer["height"] <= 844
    page.screenshot(path=str(tmp_path / "phone.png"))
    customer.el("header button[aria-label='Minimize chat']").tap()
    expect(panel).to_be_hidden()
    expect(customer.el(".launcher")).to_be_visible()


# --- style isolation: a hostile host page; the shipped, closed shadow root ------------------------


def test_a_hostile_host_stylesheet_does_not_break_the_widget(
    desk: TcpProxy, browser: Any, tmp_path: Path
) -> None:
    account = off_loop(make_widget)
    page = new_page(browser)
    host_page(page, desk_url=desk.url, key=account.address, css=HOSTILE_CSS)
    expect(page.locator("h1")).to_be_hidden()  # the host's own page is broken indeed
    customer = Customer(page)
    launcher = customer.el(".launcher")
    expect(launcher).to_be_visible()
    expect(launcher).to_have_css("font-size", "14px")
    expect(launcher).to_have_css("opacity", "1")
    box = launcher.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] > 100
    customer.open()
    field = customer.el("form.pre textarea[name=message]")
    expect(field).to_be_visible()
    expect(field).to_have_css("font-size", "14px")
    customer.start("Styles of the host page must not matter")
    expect(customer.bubble("must not matter").locator(".meta")).to_have_text("Sent")
    page.screenshot(path=str(tmp_path / "hostile.png"))


HOST_AT = "([x, y]) => { const e = document.elementFromPoint(x, y); return !!e && e.hasAttribute('data-vigil-chat'); }"  # noqa: E501


def test_the_shipped_widget_is_closed_to_the_page_and_still_works(
    desk: TcpProxy, browser: Any
) -> None:
    account = off_loop(make_widget)
    page = new_page(browser, open_shadow=False)
    host_page(page, desk_url=desk.url, key=account.address, css=HOSTILE_CSS)
    page.wait_for_selector("[data-vigil-chat]", state="attached")
    assert page.evaluate("document.querySelector('[data-vigil-chat]').shadowRoot") is None
    # The launcher is drawn bottom right (the point belongs to the widget's host) ...
    page.wait_for_function(f"({HOST_AT})([innerWidth - 60, innerHeight - 46])")
    panel_point = [1280 - 200, 800 - 400]
    assert not page.evaluate(HOST_AT, panel_point)
    # ... and a click opens the panel above it.
    page.mouse.click(1280 - 60, 800 - 46)
    page.wait_for_function(f"({HOST_AT})({panel_point})")


# --- (b) the customer on one process, the agent on another, sharing Redis ------------------------


@pytest.mark.redis
def test_customer_and_agent_on_two_processes(
    transactional_db: None, redis_url: str, browser: Any, tmp_path: Path
) -> None:
    from tests.realtime.servers import server_pool

    require(CHROMIUM.exists(), "Chromium is not installed at /usr/bin/chromium")
    account = off_loop(make_widget)
    ann = off_loop(lambda: make_agent(email="ann@desk.test", display_name="Ann"))
    with server_pool(redis_url=redis_url) as pool:
        pool.env["VIGIL_DEBUG"] = "1"  # static files from the apps (the console's scripts)
        a, b = pool.start(), pool.start()
        try:
            with proxied(a.port) as proxy:
                customer = visitor(browser, desk_url=proxy.url, key=account.address)
                page = customer.page
                first = "Withdrawal to my hardware wallet is stuck"
                customer.start(first)
                session = off_loop(lambda: chat_of(first))
                # Process A offered the chat to Ann; she is logged in on process B.
                agent = AgentDesk(browser, desk_url=b.http, agent=ann)
                agent.accept(session)
                expect(customer.el("ol.log")).to_contain_text("Ann joined the chat.")
                customer.send("It has been three hours")
                agent.sees([first, "It has been three hours"])
                agent.reply("I can see it, one moment please.")
                expect(customer.bubble("one moment please").locator(".who")).to_have_text("Ann")
                during = ["Line one while cut off", "Line two while cut off"]
                drop_and_return(
                    customer, proxy, during, lambda: off_loop(lambda: inbound_texts(session))
                )
                agent.sees(during)
                agent.reply("Got both lines.")
                expect(customer.bubble("Got both lines.")).to_have_count(1)
                texts = off_loop(lambda: inbound_texts(session))
                assert texts == [first, "It has been three hours", *during]
                page.screenshot(path=str(tmp_path / "customer-on-a.png"))
                agent.page.screenshot(path=str(tmp_path / "agent-on-b.png"))
        except BaseException:
            print(pool.outputs())
            raise


# --- leaving a message ---------------------------------------------------------------------------


def test_with_no_agent_online_the_visitor_leaves_a_message(desk: TcpProxy, browser: Any) -> None:
    account = off_loop(make_widget)

    # From the pre-chat form: nobody speaks English right now.
    customer = visitor(browser, desk_url=desk.url, key=account.address)
    form = customer.el("form.pre")
    expect(form).to_contain_text("No agent who speaks your language is online right now.")
    form.locator("textarea[name=message]").fill("Please reset my 2FA")
    form.get_by_role("button", name="Leave a message").click()
    leave = customer.el("form.leave")
    expect(leave.locator("textarea[name=message]")).to_have_value("Please reset my 2FA")
    leave.get_by_role("button", name="Send message").click()
    expect(leave.get_by_role("alert")).to_have_text("Enter a valid e-mail address.")
    leave.get_by_label("E-mail").fill("lee@example.com")
    leave.get_by_role("button", name="Send message").click()
    done = customer.el("[data-view=done]")
    expect(done).to_contain_text(re.compile(r"ticket VG-\d+; we will reply to lee@example.com"))
    session = off_loop(lambda: chat_of("Please reset my 2FA"))
    assert (session.state, session.email) == (ChatSession.State.LEFT_MESSAGE, "lee@example.com")

    # From the queue, after waiting.
    customer = visitor(browser, desk_url=desk.url, key=account.address)
    customer.start("Is my account frozen?")
    queue = customer.el(".queue")
    queue.get_by_role("button", name="Leave a message").click()
    leave = customer.el("form.leave")
    leave.get_by_label("E-mail").fill("max@example.com")
    leave.locator("textarea[name=message]").fill("I will wait for your e-mail")
    leave.get_by_role("button", name="Send message").click()
    expect(customer.el("[data-view=done]")).to_contain_text("max@example.com")
    session = off_loop(lambda: chat_of("Is my account frozen?"))
    assert session.state == ChatSession.State.LEFT_MESSAGE
    texts = off_loop(lambda: inbound_texts(session))
    assert texts == ["Is my account frozen?", "I will wait for your e-mail"]
