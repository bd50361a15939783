"""Every page, in Chromium at phone (390x844) and desktop (1440x900) size, runs under the
hub's Content-Security-Policy without one violation (no inline script, style or handler
anywhere), shows what the user may do and nothing more, and is screenshotted.

The `contexts` fixture fails the test on any CSP violation a page reports; the other
browser tests run under the same watch."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.test_console import log_in
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until

SIZES = {"390x844": True, "1440x900": False}  # name -> phone?


def sized(browser: Browser, contexts: list[BrowserContext], size: str) -> Page:
    width, height = (int(n) for n in size.split("x"))
    return open_page(
        browser, contexts, phone=SIZES[size], viewport={"width": width, "height": height}
    )


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)


def expect_policy(page: Page, url: str) -> None:
    """Load a page: its document came with the policy, and has no inline code in it."""
    response = page.goto(url)
    assert response is not None and response.ok, url
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert "frame-ancestors 'none'" in policy
    assert INLINE.findall(response.text()) == [], url


def test_party_pages(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    for size in SIZES:
        page = sized(browser, contexts, size)
        expect_policy(page, hub_process.base_url + "/join")
        expect(page.get_by_test_id("enter")).to_have_text("进入")
        page.get_by_test_id("name").fill("张三")
        page.get_by_test_id("code").fill("000000")
        page.get_by_test_id("enter").click()
        expect(page.locator("#code-error")).to_be_visible()  # a wrong code: the server says why
        screenshot(page, f"code-page-{size}")

        url = hub_process.invite(f"页面测试 {size}", "张三")
        page.goto(url)
        expect(page.get_by_test_id("consent")).to_be_visible()
        page.wait_for_function("() => document.getElementById('preview').videoWidth > 0")
        screenshot(page, f"join-lobby-{size}")
        join(page, url, tap=SIZES[size])
        expect(page.locator("#waiting")).to_be_visible()
        # a party is no moderator: the page shows no moderator's control
        for testid in ("end", "record"):
            expect(page.get_by_test_id(testid)).to_be_hidden()
        expect(page.locator("#people")).to_be_hidden()
        screenshot(page, f"join-room-party-{size}")


def test_mediator_room_page(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    for size in SIZES:
        room = f"主持测试 {size}"
        mediator = sized(browser, contexts, size)
        join(mediator, hub_process.invite(room, "王调解员", role="mediator"), tap=False)
        party = open_page(browser, contexts, phone=True)
        join(party, hub_process.invite(room, "张三"), tap=True)
        # the server said this participant may moderate and end the room
        for testid in ("end", "record"):
            expect(mediator.get_by_test_id(testid)).to_be_visible()
        expect(mediator.locator("#people-list [data-testid=remove]")).to_have_count(1)
        wait_until(mediator, VIDEOS_PLAYING, 1)
        screenshot(mediator, f"join-room-mediator-{size}")


def test_staff_pages(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    for size in SIZES:
        page = sized(browser, contexts, size)
        expect_policy(page, hub_process.base_url + "/console")
        screenshot(page, f"console-login-{size}")
        log_in(page, hub_process.base_url, "mediator-east")
        page.get_by_test_id("case-org").select_option(label="东城街道花园社区")
        page.get_by_test_id("case-title").fill(f"噪音纠纷 {size}")
        page.get_by_test_id("case-party").fill("赵六")
        page.get_by_test_id("case-create").click()
        expect(page.get_by_test_id("transition-accepted")).to_be_visible()  # the server's list
        expect(page.get_by_test_id("open-room")).to_be_visible()
        page.get_by_test_id("open-room").click()
        page.get_by_test_id("invite-name").fill("赵六")
        page.get_by_test_id("invite").click()
        page.wait_for_function("() => document.getElementById('invite-qr').naturalWidth > 0")
        screenshot(page, f"console-case-{size}")
        page.get_by_role("button", name="返回列表").click()
        expect(page.locator("#case-rows")).to_contain_text(f"噪音纠纷 {size}")
        screenshot(page, f"console-list-{size}")

        # an evaluator sees the case, and no control it may not use
        evaluator = sized(browser, contexts, size)
        log_in(evaluator, hub_process.base_url, "evaluator")
        evaluator.locator("#case-rows tr", has_text=f"噪音纠纷 {size}").click()
        expect(evaluator.locator("#case-heading")).to_contain_text(f"噪音纠纷 {size}")
        expect(evaluator.locator("#transitions button")).to_have_count(0)
        for hidden in ("#assign-row", "#rooms-section"):
            expect(evaluator.locator(hidden)).to_be_hidden()
        expect(evaluator.get_by_test_id("case-recordings")).to_be_visible()

        admin = sized(browser, contexts, size)
        log_in(admin, hub_process.base_url, "city-admin")
        expect_policy(admin, hub_process.base_url + "/admin")
        expect(admin.get_by_test_id("org-tree")).to_contain_text(
            "东城街道花园社区（社区 · 330101001）"
        )
        screenshot(admin, f"admin-{size}")

        expect_policy(admin, hub_process.base_url + "/console/recordings/no-such-recording")
        expect(admin.get_by_test_id("recording-error")).to_be_visible()
        screenshot(admin, f"recording-missing-{size}")
