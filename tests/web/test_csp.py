"""Every page, in Chromium at phone (390x844) and desktop (1440x900) size, runs under the
hub's Content-Security-Policy without one violation (no inline script, style or handler
anywhere), shows what the user may do and nothing more, and is screenshotted.

The `contexts` fixture fails the test on any CSP violation a page reports; the other
browser tests run under the same watch."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import threading

from playwright.sync_api import Browser, BrowserContext, Page, expect

from hub.config import Config
from tests.signaling.test_rest_authz import record_briefly
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.staff import check_readable, choose, log_in, org_id, settled, token_of
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until

SIZES = {"390x844": True, "1440x900": False}  # name -> phone?


def sized(browser: Browser, contexts: list[BrowserContext], size: str) -> Page:
    width, height = (int(n) for n in size.split("x"))
    return open_page(
        browser, contexts, phone=SIZES[size], viewport={"width": width, "height": height}
    )


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)


IMPORT_MAP = re.compile(r'<script type="importmap">(.*?)</script>', re.S)


def expect_policy(page: Page, url: str) -> None:
    """Load a page: its document came with the policy, and has no inline code in it but
    the staff shell's import map, which the policy allows by its hash and nothing else."""
    response = page.goto(url)
    assert response is not None and response.ok, url
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert "frame-ancestors 'none'" in policy
    html = response.text()
    maps = IMPORT_MAP.findall(html)
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
    if maps:
        digest = base64.b64encode(hashlib.sha256(maps[0].encode()).digest()).decode()
        assert script_src == f"script-src 'self' 'sha256-{digest}'", script_src
        html = IMPORT_MAP.sub("", html)
    else:
        assert script_src == "script-src 'self'", script_src
    assert INLINE.findall(html) == [], url


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
    """Every page of the staff shell and the landing page, at both sizes: the policy,
    readable text (nothing under 14 px, WCAG AA contrast), only what the role may do,
    and a screenshot."""
    hub_process.cli("seed-demo")
    base = hub_process.base_url
    admin_token = token_of(base, "city-admin")
    east = org_id(base, admin_token, "330101001")
    recording_id = made_recording(hub_process, east)
    for size in SIZES:
        page = sized(browser, contexts, size)
        expect_policy(page, base + "/")
        expect(page.get_by_test_id("home-party")).to_contain_text("我是当事人")
        check_readable(page)
        screenshot(page, f"home-{size}")
        page.get_by_test_id("home-staff").click()
        expect(page.get_by_test_id("login")).to_be_visible()
        check_readable(page)
        screenshot(page, f"console-login-{size}")

        log_in(page, base, "mediator-east")
        page.get_by_test_id("new-case").click()
        choose(page, "case-org", "东城街道花园社区")
        page.get_by_test_id("case-title").fill(f"噪音纠纷 {size}")
        page.get_by_test_id("case-party").fill("赵六")
        screenshot(page, f"console-new-case-{size}")
        page.get_by_test_id("case-create").click()
        expect(page.get_by_test_id("transition-accepted")).to_be_visible()  # the server's list
        page.get_by_test_id("open-room").click()
        page.get_by_test_id("invite").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=invite-qr]')?.naturalWidth > 0"
        )
        check_readable(page)
        screenshot(page, f"console-case-{size}")
        page.get_by_test_id("invite-qr").scroll_into_view_if_needed()
        screenshot(page, f"console-case-invited-{size}")
        page.get_by_test_id("back").click()
        settled(page)
        expect(page.get_by_test_id("case-table")).to_contain_text(f"噪音纠纷 {size}")
        check_readable(page)
        screenshot(page, f"console-cases-{size}")
        for path, name in (
            ("/console/rooms", "rooms"),
            ("/console/recordings", "recordings"),
            (f"/console/recordings/{recording_id}", "recording"),
            ("/console/password", "password"),
        ):
            expect_policy(page, base + path)
            expect(page.locator(".view-title").first).to_be_visible()
            settled(page)
            check_readable(page)
            screenshot(page, f"console-{name}-{size}")
        if SIZES[size]:
            page.get_by_test_id("menu").tap()
            expect(page.get_by_test_id("nav")).to_be_visible()
            page.wait_for_function("() => document.getAnimations().length === 0")  # slid in
            screenshot(page, f"console-menu-{size}")

        # an evaluator sees the case, and no control it may not use
        evaluator = sized(browser, contexts, size)
        log_in(evaluator, base, "evaluator")
        evaluator.get_by_test_id("case-row").filter(has_text=f"噪音纠纷 {size}").first.click()
        expect(evaluator.get_by_test_id("case-heading")).to_have_text(f"噪音纠纷 {size}")
        expect(evaluator.locator("[data-testid^=transition-]")).to_have_count(0)
        for hidden in ("assign", "open-room", "invite", "revoke"):
            expect(evaluator.get_by_test_id(hidden)).to_have_count(0)
        expect(evaluator.get_by_test_id("case-recordings")).to_be_visible()
        check_readable(evaluator)
        screenshot(evaluator, f"console-case-evaluator-{size}")

        admin = sized(browser, contexts, size)
        log_in(admin, base, "city-admin")
        for path, name in (
            ("/admin", "organisations"),
            ("/console/users", "users"),
            ("/console/audit", "audit"),
        ):
            expect_policy(admin, base + path)
            expect(admin.locator(".view-title").first).to_be_visible()
            settled(admin)
            check_readable(admin)
            screenshot(admin, f"console-{name}-{size}")
        expect_policy(admin, base + "/admin")
        expect(admin.get_by_test_id("org-tree")).to_contain_text("东城街道花园社区社区330101001")

        expect_policy(admin, base + "/console/recordings/no-such-recording")
        expect(admin.get_by_test_id("recording-error")).to_have_attribute("data-code", "not_found")
        screenshot(admin, f"recording-missing-{size}")


def made_recording(hub_process: HubProcess, organisation: str) -> str:
    """A tiny sealed recording of an organisation's room, in the hub's data dir."""
    config = Config()
    config.server.data_dir = hub_process.data_dir
    made: list[str] = []
    worker = threading.Thread(  # Playwright's event loop runs in this thread
        target=lambda: made.append(
            asyncio.run(record_briefly(config, "页面测试调解室", organisation))
        )
    )
    worker.start()
    worker.join(60)
    return made[0]
