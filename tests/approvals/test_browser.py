"""The approvals queue in a real browser: a request appears live, approving it carries it out
on the loopback exchange and the row shows it, with no reload."""

from __future__ import annotations

import pytest

from tests.console.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    off_loop,
    signed_in_page,
)
from tests.console.test_browser import live_desk as live_desk  # the fixture
from tests.factories.accounts import make_agent
from tests.factories.approvals import make_request, ticket_with_uid
from vigil.accounts.choices import Role
from vigil.approvals.exchange_sim import ExchangeSim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_request_appears_live_and_is_approved(live_desk: str, exchange: ExchangeSim) -> None:
    from playwright.sync_api import expect, sync_playwright

    make_agent(email="sue@desk.test", display_name="Sue", role=Role.SUPERVISOR)
    requester = make_agent(email="tia@desk.test", display_name="Tia", role=Role.TIER1)
    ticket = ticket_with_uid("U-90210")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = signed_in_page(browser, live_desk, "sue@desk.test", "/approvals/")
            expect(page.locator("#approvals-queue")).to_be_visible()
            expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")
            page.evaluate("window.__sameDocument = 'yes'")

            request = off_loop(
                lambda: make_request(agent=requester, ticket=ticket, kind="reset_2fa")
            )
            row = page.locator(f"#action-{request.pk}")
            expect(row).to_contain_text("U-90210")
            assert page.evaluate("window.__sameDocument") == "yes"  # arrived without a reload
            row.locator("input[name=comment]").first.fill("identity checked")
            row.locator("button[data-action=approve]").click()
            expect(page.locator(f"#action-{request.pk}")).to_have_count(0)  # done: not open
            page.goto(f"{live_desk}/approvals/?show=all")
            done = page.locator(f"#action-{request.pk}")
            expect(done).to_have_attribute("data-status", "done")
            expect(done).to_contain_text("identity checked")
        finally:
            browser.close()
    assert [c["uid"] for c in exchange.state.executed] == ["U-90210"]
