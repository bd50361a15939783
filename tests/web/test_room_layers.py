"""Simulcast on the room page (on by default, `?simulcast=0` turns it off): a desk
publishes its camera in two layers, a phone in one; a tile that shares the screen
with two others asks for and receives the low layer (the decoded size of the tile's
video says which), a big tile asks for the high one.

Whether the high layer then arrives depends on the desk browser's bandwidth estimate and
CPU (Chromium stops its top layer on a busy machine), so that part is checked as the
request the page makes; the hub's switching itself is tested in
tests/media/test_simulcast.py."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.conftest import HubProcess, open_page
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until

# rids of the video encodings this page sends (outbound-rtp with bytes flowing)
SENT_LAYERS = """async () => {
  const pc = window.hub.peers.publisher;
  if (!pc) return [];
  const stats = [...(await pc.getStats()).values()];
  return stats.filter(s => s.type === 'outbound-rtp' && s.kind === 'video' && s.bytesSent > 0)
              .map(s => s.rid || '').sort();
}"""


def wait_sent_layers(page: Page, want: list[str], who: str) -> None:
    """The page's own encodings with bytes flowing: stats lag the first packets a little."""
    deadline = time.monotonic() + 10
    while (sent := page.evaluate(SENT_LAYERS)) != want:
        if time.monotonic() > deadline:
            raise AssertionError(f"{who} sends layers {sent!r}, wanted {want!r}")
        page.wait_for_timeout(100)


# rids of the video encodings whose bytes rise over half a second ("" for one encoding)
SENDING_NOW = """async () => {
  const pc = window.hub.peers.publisher;
  if (!pc) return [];
  const sent = async () => new Map([...(await pc.getStats()).values()]
    .filter(s => s.type === 'outbound-rtp' && s.kind === 'video')
    .map(s => [s.id, [s.rid || '', s.bytesSent]]));
  const before = await sent();
  await new Promise(r => setTimeout(r, 500));
  const after = await sent();
  return [...after].filter(([id, [, bytes]]) => bytes > (before.get(id)?.[1] ?? bytes))
                   .map(([, [rid]]) => rid).sort();
}"""


def wait_sending(page: Page, want: list[str], who: str) -> None:
    deadline = time.monotonic() + 10
    while (sending := page.evaluate(SENDING_NOW)) != want:
        if time.monotonic() > deadline:
            raise AssertionError(f"{who} is sending layers {sending!r}, wanted {want!r}")
        page.wait_for_timeout(100)


def tile_width(page: Page, participant_id: str) -> int:
    return int(
        page.eval_on_selector(
            f'.tile[data-participant-id="{participant_id}"] video[data-producer-id]',
            "v => v.videoWidth",
        )
    )


def wait_preference(page: Page, producer_id: str, want: str, when: str) -> None:
    deadline = time.monotonic() + 10
    while (asked := page.evaluate("(id) => window.hub.layers[id]", producer_id)) != want:
        if time.monotonic() > deadline:
            raise AssertionError(f"{when}: the page asked for {asked!r}, wanted {want!r}")
        page.wait_for_timeout(100)


def wait_width(page: Page, participant_id: str, want: int, limit_s: float, when: str) -> None:
    deadline = time.monotonic() + limit_s
    while (width := tile_width(page, participant_id)) != want:
        if time.monotonic() > deadline:
            raise AssertionError(f"{when}: the tile is {width} px wide, wanted {want}")
        page.wait_for_timeout(250)


def test_small_tiles_take_the_low_layer_of_a_desk_camera(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    room = "邻里纠纷-分层"
    mediator = open_page(browser, contexts, phone=False)
    party = open_page(browser, contexts, phone=True)
    mediator_url = hub_process.invite(room, "王调解员", role="mediator")
    join(mediator, mediator_url + "?codec=vp8", tap=False)
    join(party, hub_process.invite(room, "张三") + "?codec=vp8", tap=True)
    wait_until(party, VIDEOS_PLAYING, 1)
    mediator_id = mediator.evaluate("window.hub.self.id")

    wait_sent_layers(mediator, ["f", "l"], "the desk")  # two layers
    wait_sent_layers(party, [""], "the phone")  # one encoding
    video = party.eval_on_selector(
        f'.tile[data-participant-id="{mediator_id}"] video[data-producer-id]',
        "v => v.dataset.producerId",
    )
    wait_preference(party, video, "high", "one tile")

    others = [open_page(browser, contexts, phone=True) for _ in range(2)]
    for n, page in enumerate(others):
        join(page, hub_process.invite(room, f"李{n}") + "?codec=vp8", tap=True)
    wait_until(party, VIDEOS_PLAYING, 3)
    # three tiles share the phone's screen: the desk's low layer (320x240) is enough
    wait_preference(party, video, "low", "three tiles")
    wait_width(party, mediator_id, 320, limit_s=5, when="three tiles")

    for page in others:
        page.get_by_test_id("leave").tap()
    wait_until(party, VIDEOS_PLAYING, 1)
    wait_preference(party, video, "high", "alone again")


# frames the phone's stage (a shared screen) has shown
STAGE_FRAMES = """() => { const v = document.getElementById('stage-video');
  return v && v.dataset.producerId && v.videoWidth > 0
    ? v.getVideoPlaybackQuality().totalVideoFrames : -1; }"""


def stage_plays(page: Page, when: str) -> None:
    """The stage shows a screen whose frames advance."""
    deadline = time.monotonic() + 15
    while (before := page.evaluate(STAGE_FRAMES)) < 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"{when}: no screen on the stage")
        page.wait_for_timeout(200)
    while page.evaluate(STAGE_FRAMES) <= before:
        if time.monotonic() > deadline:
            raise AssertionError(f"{when}: the screen on the stage is frozen")
        page.wait_for_timeout(200)


def camera_flows(page: Page, participant_id: str, when: str) -> None:
    """The desk's camera tile on this page keeps decoding new frames, 5 s on."""
    selector = f'.tile[data-participant-id="{participant_id}"] video[data-producer-id]'
    frames = "v => v.getVideoPlaybackQuality().totalVideoFrames"
    before = page.eval_on_selector(selector, frames)
    page.wait_for_timeout(5000)
    after = page.eval_on_selector(selector, frames)
    assert after > before + 25, f"{when}: the desk's camera showed {after - before} frames in 5 s"


def test_a_desk_publishing_layers_shares_its_screen_twice(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    room = "邻里纠纷-分层共享"
    mediator = open_page(browser, contexts, phone=False, viewport={"width": 1440, "height": 900})
    party = open_page(browser, contexts, phone=True)
    mediator_url = hub_process.invite(room, "王调解员", role="mediator")
    join(mediator, mediator_url + "?codec=vp8", tap=False)
    join(party, hub_process.invite(room, "张三") + "?codec=vp8", tap=True)
    wait_until(party, VIDEOS_PLAYING, 1)
    mediator_id = mediator.evaluate("window.hub.self.id")
    wait_sent_layers(mediator, ["f", "l"], "the desk")
    share = mediator.get_by_test_id("share-screen")
    for round_ in ("first", "second"):
        share.click()
        expect(share).to_have_attribute("aria-pressed", "true")
        stage_plays(party, f"{round_} share")
        camera_flows(party, mediator_id, f"{round_} share")
        wait_sending(mediator, ["", "f", "l"], f"the desk, {round_} share")
        share.click()
        expect(party.locator("#stage")).to_be_hidden(timeout=10000)
        expect(share).to_have_attribute("aria-pressed", "false")
        camera_flows(party, mediator_id, f"after the {round_} share")
        wait_sending(mediator, ["f", "l"], f"the desk, after the {round_} share")


def test_simulcast_0_keeps_a_desk_to_one_encoding(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    desk = open_page(browser, contexts, phone=False)
    join(
        desk,
        hub_process.invite("邻里纠纷-单层", "王调解员", role="mediator") + "?simulcast=0",
        tap=False,
    )
    wait_sending(desk, [""], "the desk with ?simulcast=0")
