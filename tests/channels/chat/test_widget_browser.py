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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.channels.chat.desk_side import (
    attachments_of,
    chat_of,
    come_online,
    inbound_texts,
    last_inbound_id,
    open_chat,
    read_up_to,
    reply,
    serve,
    typing,
)
from tests.channels.chat.widget_pages import (
    BROWSER_ARGS,
    PASTE_IMAGE,
    TIMEOUT_MS,
    AgentDesk,
    Customer,
    attach_and_send,
    demo_page,
    drop_and_return,
    host_page,
    new_page,
    png_of,
    visitor,
)
from tests.channels.chat.widget_support import TcpProxy, make_widget
from tests.conftest import require
from tests.console.test_browser import CHROMIUM, ThreadedServer, off_loop
from tests.factories.accounts import make_agent
from vigil.accounts.choices import Presence
from vigil.channels.models import ChatSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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
