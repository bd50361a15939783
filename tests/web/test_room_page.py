"""Three people in one room through real Chromium pages: see, hear, leave, reload,
mute, remove. Once with VP8 forced and once with H.264 forced."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.conftest import HubProcess, open_page, screenshot

# Remote <video> elements whose frame counters advance over half a second.
VIDEOS_PLAYING = """async (want) => {
  const videos = [...document.querySelectorAll('#tiles video[data-producer-id]')];
  if (videos.length !== want) return false;
  const frames = () => videos.map(v => v.getVideoPlaybackQuality().totalVideoFrames);
  const before = frames();
  await new Promise(r => setTimeout(r, 500));
  return frames().every((n, i) => n > before[i] && videos[i].videoWidth > 0);
}"""

# Remote audio tracks with packets and energy (getStats via window.hub.stats()).
AUDIO_FLOWING = """async (want) => {
  const stats = await window.hub.stats();
  const audio = Object.values(stats.producers).filter(p => p.kind === 'audio');
  return audio.length === want && audio.every(p => p.packetsReceived > 0 && p.totalAudioEnergy > 0);
}"""


# What a page sees, for a failure message.
DIAGNOSE = """async () => ({
  self: window.hub.self && window.hub.self.id,
  tiles: [...document.querySelectorAll('#tiles .tile')].map(t => {
    const v = t.querySelector('video');
    const track = v.srcObject && v.srcObject.getVideoTracks()[0];
    return {participant: t.dataset.participantId, producer: v.dataset.producerId || null,
            width: v.videoWidth, frames: v.getVideoPlaybackQuality().totalVideoFrames,
            track: track ? `${track.readyState}${track.muted ? '/muted' : ''}` : null};
  }),
  stats: (await window.hub.stats()).producers,
})"""


def wait_until(page: Page, predicate: str, arg: object, limit_s: float = 30) -> None:
    """Poll an async page predicate until it holds (page.evaluate awaits promises;
    wait_for_function would take the returned promise itself as truthy)."""
    deadline = time.monotonic() + limit_s
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"page never satisfied {predicate[:60]!r}; page state: {page.evaluate(DIAGNOSE)}"
            )
        page.wait_for_timeout(200)


def join(page: Page, url: str, *, tap: bool, admitted_by: Page | None = None) -> None:
    """Open the link, consent, tap join; a party of a case room waits in the lobby
    until `admitted_by` (the mediator's page) lets them in."""
    page.goto(url)
    consent = page.get_by_test_id("consent")
    expect(consent).to_be_visible()
    (consent.tap if tap else consent.check)()
    join_button = page.get_by_test_id("join")
    expect(join_button).to_be_enabled()
    (join_button.tap if tap else join_button.click)()
    if admitted_by is not None:
        expect(page.get_by_test_id("waiting")).to_be_visible()
        admitted_by.get_by_test_id("admit").first.click()
    expect(page.locator("#room")).to_be_visible()


def audio_packets(page: Page, producer_id: str) -> int:
    return int(
        page.evaluate(
            "async (id) => (await window.hub.stats()).producers[id]?.packetsReceived ?? -1",
            producer_id,
        )
    )


def tile_ids(page: Page) -> list[str]:
    return page.eval_on_selector_all("#tiles .tile", "els => els.map(e => e.dataset.participantId)")


@pytest.mark.parametrize("codec", ["vp8", "h264"])
def test_three_people_see_and_hear_each_other(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext], codec: str
) -> None:
    room = f"家事调解-{codec}"
    suffix = f"?codec={codec}&noconfirm=1"
    party_a = open_page(browser, contexts, phone=True)
    party_b = open_page(browser, contexts, phone=True)
    mediator = open_page(browser, contexts, phone=False)
    urls = {
        "a": hub_process.invite(room, "张三"),
        "b": hub_process.invite(room, "李四"),
        "m": hub_process.invite(room, "王调解员", role="mediator"),
    }
    join(mediator, urls["m"] + suffix, tap=False)
    join(party_a, urls["a"] + suffix, tap=True)
    join(party_b, urls["b"] + suffix, tap=True)

    pages = {"a": party_a, "b": party_b, "m": mediator}
    for name, page in pages.items():
        wait_until(page, VIDEOS_PLAYING, 2)
        wait_until(page, AUDIO_FLOWING, 2)
        codecs = page.evaluate(
            """async () => Object.values((await window.hub.stats()).producers)
                 .filter(p => p.kind === 'video').map(p => p.codec.toLowerCase())"""
        )
        assert codecs == [f"video/{codec}"] * 2, name
    first_frames = [page.evaluate("window.hub.firstFrameMs") for page in pages.values()]
    print(f"\n{codec}: join click -> first remote frame: {[round(x) for x in first_frames]} ms")

    screenshot(party_a, f"party-phone-{codec}")
    screenshot(mediator, f"mediator-desktop-{codec}")

    # the mediator mutes party A: the others stop receiving A's audio
    a_id = party_a.evaluate("window.hub.self.id")
    a_audio = mediator.eval_on_selector(
        f'.tile[data-participant-id="{a_id}"] audio[data-producer-id]', "e => e.dataset.producerId"
    )
    mediator.locator(f'li[data-participant-id="{a_id}"]').get_by_test_id("mute-participant").click()
    expect(party_a.locator("#self-warning")).to_have_attribute(
        "data-codes", re.compile("mic_muted_by_mediator")
    )
    party_b.wait_for_timeout(600)  # let in-flight packets land
    before = audio_packets(party_b, a_audio)
    party_b.wait_for_timeout(1500)  # 1.5 s of would-be audio: ~75 packets if not muted
    assert audio_packets(party_b, a_audio) - before <= 3

    # party B leaves: its tile disappears from the others within 2 s
    b_id = party_b.evaluate("window.hub.self.id")
    party_b.get_by_test_id("leave").tap()
    for page in (party_a, mediator):
        expect(page.locator(f'.tile[data-participant-id="{b_id}"]')).to_have_count(0, timeout=2000)

    # party A reloads: it rejoins and sees the mediator again, no ghost tiles anywhere
    party_a.reload()
    join(party_a, urls["a"] + suffix, tap=True)
    wait_until(party_a, VIDEOS_PLAYING, 1)
    wait_until(mediator, VIDEOS_PLAYING, 1)
    assert len(tile_ids(mediator)) == 1 and len(tile_ids(party_a)) == 1

    # the mediator removes party A: A sees "removed" and can't come back with the link
    mediator.locator(f'li[data-participant-id="{a_id}"]').get_by_test_id("remove").click()
    expect(party_a.locator("#message")).to_have_attribute("data-code", "removed")
    party_a.goto(urls["a"] + suffix)
    join_button = party_a.get_by_test_id("join")
    party_a.get_by_test_id("consent").tap()
    join_button.tap()
    expect(party_a.locator("#message")).to_have_attribute("data-code", "removed")
    screenshot(party_a, f"party-removed-{codec}")


def test_join_to_first_frame_time(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """Joins a room where a mediator is already publishing, ten times; prints the
    time from the tap on "join" to the first remote frame."""
    room = "首帧计时"
    mediator = open_page(browser, contexts, phone=False)
    join(
        mediator,
        hub_process.invite(room, "计时调解员", role="mediator") + "?noconfirm=1",
        tap=False,
    )
    times = []
    for i in range(10):
        page = open_page(browser, contexts, phone=True)
        page.goto(hub_process.invite(room, f"当事人{i}"))
        # a person reads the notice while the camera preview starts; then taps
        page.wait_for_function("() => document.getElementById('preview').readyState >= 2")
        join(page, page.url, tap=True)
        wait_until(page, VIDEOS_PLAYING, 1)
        times.append(page.evaluate("window.hub.firstFrameMs"))
        page.get_by_test_id("leave").tap()
        page.context.close()
        contexts.remove(page.context)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(
        f"\njoin -> first remote frame: median {statistics.median(times):.0f} ms, "
        f"p95 {p95:.0f} ms over {len(times)} joins: {[round(t) for t in times]}"
    )
    assert all(t > 0 for t in times)
