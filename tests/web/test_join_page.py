"""The join page before and around the room: the right message for a link that can't be
used (expired, another hub's room, forged, ended), the pre-join screen on a phone in
Chinese and English, the mediator ending the room, and coming back after the network
drops without reloading the page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from playwright.sync_api import Browser, BrowserContext, Page, expect

from rooms.tokens import issue
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.test_room_page import AUDIO_FLOWING, VIDEOS_PLAYING, join, tile_ids, wait_until


def api(hub: HubProcess, path: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(hub.base_url + "/api/v1/join/" + path, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def secret(hub: HubProcess) -> bytes:
    return bytes.fromhex((hub.data_dir / "secret.key").read_text().strip())


def room_id(hub: HubProcess, url: str) -> str:
    status, body = api(hub, url.rsplit("/", 1)[1])
    assert status == 200, body
    room = body["room"]
    assert isinstance(room, dict)
    return str(room["id"])


def expect_refused(page: Page, url: str, code: str, text: str) -> None:
    page.goto(url)
    message = page.locator("#message")
    expect(message).to_be_visible()
    expect(message).to_have_attribute("data-code", code)
    expect(page.locator("#message-text")).to_contain_text(text)
    expect(page.get_by_test_id("join")).to_be_hidden()


def test_unusable_links_are_refused_with_the_right_message(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    real = hub_process.invite("拒绝测试", "张三")
    rid = room_id(hub_process, real)
    key = secret(hub_process)
    expired = issue(key, sub="p-exp", name="张三", role="party", room=rid, ttl_s=-60)
    other_room = issue(key, sub="p-other", name="张三", role="party", room="f" * 32, ttl_s=600)
    forged = issue(b"another-install" * 4, sub="p", name="张三", role="party", room=rid, ttl_s=600)

    assert api(hub_process, expired)[0] == 410
    assert api(hub_process, other_room)[0] == 404
    assert api(hub_process, forged)[0] == 401

    page = open_page(browser, contexts, phone=True)
    expect_refused(page, f"{hub_process.base_url}/join/{expired}", "token_expired", "已过期")
    screenshot(page, "party-link-expired")
    expect_refused(
        page, f"{hub_process.base_url}/join/{other_room}", "room_not_found", "找不到此调解室"
    )
    expect_refused(page, f"{hub_process.base_url}/join/{forged}", "token_invalid", "无效")


def test_prejoin_screen_on_a_phone(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    url = hub_process.invite("邻里纠纷调解（第2024-118号）", "张三")
    page = open_page(browser, contexts, phone=True)
    page.goto(url)
    expect(page.locator("#room-name")).to_have_text("邻里纠纷调解（第2024-118号）")
    expect(page.get_by_test_id("name")).to_have_value("张三")
    expect(page.locator("#notice")).to_contain_text("人民调解")
    join_button = page.get_by_test_id("join")
    expect(join_button).to_be_disabled()  # consent first
    page.wait_for_function("() => document.getElementById('preview').videoWidth > 0")
    screenshot(page, "party-prejoin-phone")
    page.get_by_test_id("consent").tap()
    expect(join_button).to_be_enabled()
    box = join_button.bounding_box()
    assert box is not None and box["height"] >= 44

    english = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="en-US"
    )
    contexts.append(english)
    page_en = english.new_page()
    page_en.goto(url)
    expect(page_en.get_by_test_id("join")).to_have_text("Join the mediation")
    expect(page_en.locator("#notice")).to_contain_text("people's mediation")
    width = page_en.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "no sideways scrolling at 360 px"


def test_mediator_ends_the_room_for_everyone(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    room = "结束测试"
    mediator = open_page(browser, contexts, phone=False)
    party = open_page(browser, contexts, phone=True)
    party_url = hub_process.invite(room, "李四")
    join(mediator, hub_process.invite(room, "王调解员", role="mediator"), tap=False)
    join(party, party_url, tap=True)
    wait_until(mediator, VIDEOS_PLAYING, 1)

    mediator.once("dialog", lambda dialog: dialog.accept())
    mediator.get_by_test_id("end").click()
    for page in (party, mediator):
        expect(page.locator("#message")).to_have_attribute("data-code", "room_ended")
    screenshot(party, "party-room-ended")
    # the link now says the room has ended, before anyone tries to connect
    expect_refused(party, party_url, "room_ended", "已结束")


# window.hub.stats() has the numbers behind a participant's quality badge.
QUALITY_GOOD = """async (id) => {
  const p = (await window.hub.stats()).participants[id];
  return !!p && p.quality === 'good' && p.bitrateKbps > 0 && p.rttMs !== null && p.rttMs < 300;
}"""


def test_network_drop_comes_back_without_reload(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    room = "断线重连"
    mediator = open_page(browser, contexts, phone=False)
    party = open_page(browser, contexts, phone=True)
    join(mediator, hub_process.invite(room, "王调解员", role="mediator"), tap=False)
    join(party, hub_process.invite(room, "张三"), tap=True)
    for page in (party, mediator):
        wait_until(page, VIDEOS_PLAYING, 1)
    party_id = party.evaluate("window.hub.self.id")
    party.evaluate("window.__loaded = true")  # gone if the page reloads

    party.evaluate("window.hub.socket.io.engine.close()")  # the transport drops
    expect(party.locator("#banner")).to_have_attribute("data-code", "reconnecting")
    expect(party.locator("#banner")).to_be_hidden(timeout=15000)

    for page in (party, mediator):
        wait_until(page, VIDEOS_PLAYING, 1)
    assert party.evaluate("window.__loaded === true")
    assert party.evaluate("window.hub.self.id") == party_id  # the same participant
    assert tile_ids(mediator) == [party_id]  # no ghost, no duplicate

    # connection quality on the loopback: good, on the tile, in window.hub.stats() and in
    # the connection info panel
    tile = mediator.locator(f'.tile[data-participant-id="{party_id}"]')
    expect(tile).to_have_attribute("data-quality", "good", timeout=15000)
    wait_until(mediator, QUALITY_GOOD, party_id)
    mediator.locator("#conn summary").click()
    expect(mediator.locator("#conn-info")).to_contain_text("张三")
    expect(mediator.locator("#conn-info")).to_contain_text("kbps")

    # the party's own controls: the mediator sees the mic go off and on; a switched
    # camera keeps sending
    muted_icon = tile.locator(".tile-muted")
    party.get_by_test_id("mute").tap()
    expect(party.get_by_test_id("mute")).to_have_attribute("aria-pressed", "true")
    expect(muted_icon).to_be_visible()
    party.get_by_test_id("mute").tap()
    expect(muted_icon).to_be_hidden()
    party.get_by_test_id("switch").tap()
    wait_until(mediator, VIDEOS_PLAYING, 1)


# The person taps "don't allow" for the camera (the browser's own refusal, as WeChat or
# Safari give it): getUserMedia rejects for video; the microphone is still allowed.
REFUSE_CAMERA = """(() => {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (c) => c && c.video
    ? Promise.reject(new DOMException("Permission denied", "NotAllowedError"))
    : real(c);
})()"""


def test_camera_refused_joins_with_sound_only(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    room = "拒绝摄像头"
    mediator = open_page(browser, contexts, phone=False)
    join(mediator, hub_process.invite(room, "王调解员", role="mediator"), tap=False)
    party = open_page(browser, contexts, phone=True)
    party.add_init_script(REFUSE_CAMERA)
    party.goto(hub_process.invite(room, "张三"))
    expect(party.locator("#camera-error")).to_be_visible()
    expect(party.locator("#camera-error")).to_contain_text("摄像头")
    screenshot(party, "party-camera-refused")
    join(party, party.url, tap=True)
    wait_until(party, VIDEOS_PLAYING, 1)  # still sees the mediator
    wait_until(mediator, AUDIO_FLOWING, 1)  # and is heard
    party_id = party.evaluate("window.hub.self.id")
    expect(mediator.locator(f'.tile[data-participant-id="{party_id}"]')).to_have_count(1)
