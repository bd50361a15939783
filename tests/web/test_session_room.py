"""A case session in real Chromium pages (a mediator at a 1440x900 desk, two parties
on 390x844 touch phones, zh-CN): the floor (muted by the mediator, hand raised,
allowed to speak, heard again), the camera-off placeholder, the participant list,
chat kept with the case, the session timer and the 录制中 badge, screen sharing."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.case_session import CaseRoom, call, open_case_room
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.test_room_page import AUDIO_FLOWING, VIDEOS_PLAYING, join, wait_until

DESK = {"viewport": {"width": 1440, "height": 900}}

# audio packets received from one participant's microphone, from getStats
AUDIO_PACKETS = """async (owner) => {
  const stats = await window.hub.stats();
  return Object.values(stats.producers)
    .filter(p => p.kind === 'audio' && p.participantId === owner)
    .reduce((sum, p) => sum + p.packetsReceived, 0);
}"""


def admit_all(mediator: Page, count: int) -> None:
    """Admit whoever waits in the lobby (a no-op where nobody waits)."""
    for _ in range(count):
        button = mediator.get_by_test_id("admit").first
        if button.count() == 0:
            return
        button.click()


def enter_session(
    browser: Browser, contexts: list[BrowserContext], hub: HubProcess, title: str
) -> tuple[CaseRoom, Page, Page, Page]:
    case = open_case_room(hub, title)
    mediator = open_page(browser, contexts, phone=False, **DESK)
    join(mediator, case.mediator_url + "?noconfirm=1", tap=False)
    parties = []
    for name in ("张三", "李四"):
        page = open_page(browser, contexts, phone=True)
        page.goto(case.parties[name])
        page.get_by_test_id("consent").tap()
        page.get_by_test_id("join").tap()
        parties.append(page)
    for page in parties:
        waiting = page.get_by_test_id("waiting")
        waiting.or_(page.locator("#room")).first.wait_for()
        if waiting.is_visible():
            admit_all(mediator, 1)
        expect(page.locator("#room")).to_be_visible()
    return case, mediator, parties[0], parties[1]


def packets_rise(page: Page, owner: str, limit_s: float = 10) -> None:
    before = page.evaluate(AUDIO_PACKETS, owner)
    deadline = time.monotonic() + limit_s
    while page.evaluate(AUDIO_PACKETS, owner) < before + 25:
        assert time.monotonic() < deadline, f"audio from {owner} is not flowing"
        page.wait_for_timeout(200)


def test_floor_placeholder_people_chat_timer(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    case, mediator, party_a, party_b = enter_session(
        browser, contexts, hub_process, "楼上漏水（发言与聊天）"
    )
    for page in (mediator, party_a, party_b):
        wait_until(page, VIDEOS_PLAYING, 2)
        wait_until(page, AUDIO_FLOWING, 2)
    a_id = party_a.evaluate("window.hub.self.id")
    a_row = mediator.locator(f'#people-list li[data-participant-id="{a_id}"]')

    # everyone has the participant list and the session timer
    party_b.locator("#open-people").tap()
    expect(party_b.locator("#people-list li")).to_have_count(3)
    expect(party_b.locator("#people-list")).to_contain_text("张三")
    expect(party_b.get_by_test_id("allow-speak")).to_have_count(0)  # parties don't moderate
    screenshot(party_b, "session-people-phone")
    party_b.locator("#panel-close").tap()
    expect(party_a.locator("#timer")).to_have_text(re.compile(r"^\d\d:\d\d$"))

    # the mediator mutes A: A is told it isn't heard; B stops getting A's sound
    a_row.get_by_test_id("mute-participant").click()
    expect(party_a.locator("#self-warning")).to_have_attribute(
        "data-codes", re.compile("mic_muted_by_mediator")
    )
    party_b.wait_for_timeout(600)
    before = party_b.evaluate(AUDIO_PACKETS, a_id)
    party_b.wait_for_timeout(1500)
    assert party_b.evaluate(AUDIO_PACKETS, a_id) - before <= 3

    # A raises a hand: the mediator sees it on the tile and in the list
    party_a.get_by_test_id("raise-hand").tap()
    expect(party_a.get_by_test_id("raise-hand")).to_have_attribute("aria-pressed", "true")
    expect(mediator.locator(f'.tile[data-participant-id="{a_id}"] .tile-hand')).to_be_visible()
    expect(a_row).to_have_class(re.compile("hand-up"))
    screenshot(mediator, "session-hand-raised-desktop")
    screenshot(party_a, "session-muted-hand-phone")
    a_row.get_by_test_id("allow-speak").click()
    expect(party_a.get_by_test_id("mute")).to_have_attribute("aria-pressed", "false")
    expect(party_a.locator("#self-warning")).to_be_hidden()
    expect(party_a.get_by_test_id("raise-hand")).to_have_attribute("aria-pressed", "false")
    packets_rise(party_b, a_id)  # B hears A again
    packets_rise(mediator, a_id)

    # A turns the camera off: the others see A's name, not a frozen frame, within 2 s
    party_a.get_by_test_id("camera").tap()
    for page in (mediator, party_b):
        tile = page.locator(f'.tile[data-participant-id="{a_id}"]')
        expect(tile).to_have_attribute("data-video", "off", timeout=2000)
        expect(tile.locator(".tile-placeholder")).to_be_visible()
        expect(tile.locator(".placeholder-name")).to_have_text("张三")
        expect(tile.locator("video")).to_be_hidden()
    expect(party_a.locator("#self-warning")).to_have_attribute(
        "data-codes", re.compile("camera_is_off")
    )
    screenshot(party_b, "session-camera-off-phone")
    party_a.get_by_test_id("camera").tap()
    expect(party_b.locator(f'.tile[data-participant-id="{a_id}"]')).to_have_attribute(
        "data-video", "on", timeout=5000
    )

    # the one speaking is highlighted (the others mute; A's fake microphone beeps)
    mediator.get_by_test_id("mute").click()
    party_b.get_by_test_id("mute").tap()
    expect(mediator.locator(f'.tile.speaking[data-participant-id="{a_id}"]')).to_have_count(
        1, timeout=20000
    )
    party_b.get_by_test_id("mute").tap()

    # chat reaches everyone and is kept with the case
    party_b.locator("#open-chat").tap()
    party_b.get_by_test_id("chat-input").fill("我同意分两期赔偿")
    party_b.get_by_test_id("chat-send").tap()
    mediator.locator('#panel [data-tab="chat"]').click()
    expect(mediator.locator("#chat-list")).to_contain_text("我同意分两期赔偿")
    expect(party_a.locator("#chat-unread")).to_have_text("1")
    party_a.locator("#open-chat").tap()
    expect(party_a.locator("#chat-list")).to_contain_text("李四")
    expect(party_a.locator("#chat-unread")).to_be_hidden()
    screenshot(party_a, "session-chat-phone")
    screenshot(mediator, "session-chat-desktop")
    status, record = call(
        hub_process, "GET", f"/api/v1/cases/{case.case_id}/record", token=case.token
    )
    assert status == 200, record
    texts = [m["text"] for room in record["rooms"] for m in room["chat"]]
    assert texts == ["我同意分两期赔偿"]

    # recording: a badge everyone sees, with the elapsed time
    mediator.get_by_test_id("record").click()
    for page in (mediator, party_a, party_b):
        expect(page.locator("#recording")).to_be_visible()
        expect(page.locator("#recording-time")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    screenshot(party_b, "session-recording-phone")
    screenshot(mediator, "session-recording-desktop")


def test_mediator_shares_a_screen(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    _case, mediator, party_a, party_b = enter_session(browser, contexts, hub_process, "屏幕共享")
    share = mediator.get_by_test_id("share-screen")
    expect(share).to_be_visible()
    expect(party_a.get_by_test_id("share-screen")).to_be_hidden()  # phones can't
    share.click()
    expect(share).to_have_attribute("aria-pressed", "true")
    for page in (party_a, party_b):
        expect(page.locator("#stage")).to_be_visible(timeout=10000)
        page.wait_for_function(
            """() => { const v = document.getElementById('stage-video');
                       return v.dataset.producerId && v.videoWidth > 0; }"""
        )
        expect(page.locator("#stage-label")).to_contain_text("正在共享屏幕")
    frames = party_a.evaluate(
        "document.getElementById('stage-video').getVideoPlaybackQuality().totalVideoFrames"
    )
    party_a.wait_for_timeout(1000)
    assert (
        party_a.evaluate(
            "document.getElementById('stage-video').getVideoPlaybackQuality().totalVideoFrames"
        )
        > frames
    )
    screenshot(party_a, "session-screen-share-phone")
    screenshot(mediator, "session-screen-share-desktop")
    share.click()
    for page in (party_a, party_b):
        expect(page.locator("#stage")).to_be_hidden(timeout=10000)
