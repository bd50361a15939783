"""In Chromium: the console's recording page says, in red, that a recording
re-signed with another key is not verified (and shows the fingerprints); a genuine
one is verified. A staff page whose session ends goes back to the login."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import Browser, BrowserContext, expect

from recorder.store import recordings_dir
from tests.recorder.forgery import drop_segment_and_resign, record_in
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.staff import log_in

RED = "rgb(198, 40, 40)"  # the shell's danger colour


def _recording(hub_process: HubProcess, room: str) -> str:
    # an ad-hoc room outside the tree: administrators see it. On a thread of its
    # own: Playwright's sync API keeps an event loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, record_in(hub_process.data_dir, room, "")).result()


def test_a_resigned_recording_is_shown_in_red_as_not_verified(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    genuine, forged = _recording(hub_process, "真录像"), _recording(hub_process, "伪造录像")
    drop_segment_and_resign(recordings_dir(hub_process.data_dir) / forged, index=1)

    for phone in (False, True):
        page = open_page(browser, contexts, phone=phone)
        log_in(page, hub_process.base_url, "city-admin")
        page.goto(f"{hub_process.base_url}/console/recordings/{genuine}")
        verdict = page.get_by_test_id("recording-verified")
        expect(verdict).to_have_attribute("data-ok", "true")
        expect(verdict).to_contain_text("由本系统证据密钥签名")
        assert verdict.evaluate("(el) => getComputedStyle(el).color") != RED

        page.goto(f"{hub_process.base_url}/console/recordings/{forged}")
        expect(verdict).to_have_attribute("data-ok", "false")
        expect(verdict).to_have_attribute("data-key-trusted", "false")
        expect(verdict).to_contain_text("签名密钥不是本系统的证据密钥")
        assert verdict.evaluate("(el) => getComputedStyle(el).color") == RED
        expect(page.get_by_test_id("recording-key")).to_contain_text("本系统密钥指纹")
        screenshot(page, f"console-recording-forged-{'390' if phone else '1366'}")


def test_a_page_whose_session_ended_goes_back_to_login(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    hub_process.cli("seed-demo")
    recording = _recording(hub_process, "会话结束")
    page = open_page(browser, contexts, phone=False)
    log_in(page, hub_process.base_url, "city-admin")
    page.goto(f"{hub_process.base_url}/console/recordings/{recording}")
    expect(page.get_by_test_id("recording-verified")).to_have_attribute("data-ok", "true")
    page.wait_for_load_state("networkidle")  # the player has fetched what it wanted
    # the session ends elsewhere (as logout, a password change or disabling would)
    status = page.evaluate(
        """async () => (await fetch('/api/v1/logout', {method: 'POST',
             headers: {Authorization: 'Bearer ' + sessionStorage.getItem('hub-token')}})).status"""
    )
    assert status == 200
    # the page's next call is refused (401): back to the login (in place: logging in
    # again returns to the same page)
    page.get_by_test_id("recording-reason").fill("测试")
    page.get_by_test_id("recording-hold").click()
    expect(page.get_by_test_id("login")).to_be_visible()

    # the console's own logout button ends the session on the server
    log_in(page, hub_process.base_url, "city-admin")
    token = page.evaluate("() => sessionStorage.getItem('hub-token')")
    page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login")).to_be_visible()
    status = page.evaluate(
        """async (t) => (await fetch('/api/v1/me', {headers: {Authorization: 'Bearer ' + t}}))
             .status""",
        token,
    )
    assert status == 401
