"""Wall screens in Chromium: a wall of 2 screens made by the command line, 6 rooms of
2-3 participants (aiortc publishers, cheaper than browsers) on a 3x3 screen, every
tile playing; a room moved to screen 2 seen by both screens within a second; a tour
of 3 rooms that never leaves its tile black for more than half a second."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from aiortc import MediaStreamTrack
from playwright.sync_api import Browser, BrowserContext, Page

from tests.media.fixtures import PacketTrack, answer_keyframe_requests, encoded_video
from tests.signaling.client import ProtocolClient
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.test_shared_modules import api, log_in

T = TypeVar("T")
WALL_DESKTOP = {"viewport": {"width": 1920, "height": 1080}, "locale": "zh-CN"}

# Every shown tile's videos have pictures and advancing frame counters.
TILES_PLAYING = """async (want) => {
  const tiles = window.wall ? window.wall.tiles().filter(t => t.key && !t.hidden) : [];
  if (tiles.length !== want || !tiles.every(t => t.playing)) return false;
  const shown = '[data-testid=wall-tile] .feed:not(.up) video[data-producer-id]';
  const videos = [...document.querySelectorAll(shown)];
  const frames = () => videos.map(v => v.getVideoPlaybackQuality().totalVideoFrames);
  const before = frames();
  await new Promise(r => setTimeout(r, 400));
  return videos.length > 0 && frames().every((n, i) => n > before[i]);
}"""

# Watches one tile: the longest time its shown pictures went without a new frame.
WATCH_GAPS = """(tile) => {
  const last = new WeakMap();
  const follow = (video) => {
    if (last.has(video)) return;
    last.set(video, 0);
    const onFrame = () => {
      last.set(video, performance.now());
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };
  window.gaps = { worst: 0, started: false, switches: 0, keys: [] };
  setInterval(() => {
    const node = document.querySelector(`[data-testid=wall-tile][data-tile="${tile}"]`);
    if (!node) return;
    node.querySelectorAll("video").forEach(follow);
    const shown = [...node.querySelectorAll(".feed:not(.up) video")];
    const newest = Math.max(0, ...shown.map((v) => last.get(v) || 0));
    const key = node.dataset.key;
    if (window.gaps.keys[window.gaps.keys.length - 1] !== key) window.gaps.keys.push(key);
    if (!newest) return;
    const gap = performance.now() - newest;
    if (window.gaps.started) window.gaps.worst = Math.max(window.gaps.worst, gap);
    else window.gaps.started = gap < 200;
  }, 20);
}"""


class PublishOnly(ProtocolClient):
    """A participant that sends its camera and watches nothing (no subscribe PC); its
    camera answers keyframe requests, as a browser's does."""

    async def publish(
        self, tracks: list[MediaStreamTrack], codec: str | None = None
    ) -> dict[str, Any]:
        ack = await super().publish(tracks, codec)
        assert self.pub_pc is not None
        answer_keyframe_requests(self.pub_pc)
        return ack

    async def negotiate(self) -> None:
        return None


class Publishers:
    """aiortc participants on a loop of their own (Playwright's sync API holds the
    main thread's)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.clients: list[ProtocolClient] = []

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def publish(self, invitation_url: str) -> str:
        async def go() -> str:
            client = PublishOnly(self.base_url, invitation_url.split("/join/")[1])
            self.clients.append(client)
            await client.connect()
            joined = await client.join()
            assert joined["ok"], joined
            ack = await client.publish([PacketTrack("video", encoded_video("libvpx"))])
            return str(ack["producers"][0]["id"])

        return self.run(go())

    def close(self) -> None:
        async def stop() -> None:
            for client in self.clients:
                await client.close()

        self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def publishers(hub_process: HubProcess) -> Iterator[Publishers]:
    made = Publishers(hub_process.base_url)
    yield made
    made.close()


def case_rooms(base: str, mediator: str, count: int, tag: str) -> list[dict[str, Any]]:
    """Case rooms of 河畔社区, whose parties go straight in: the publishers here are
    parties, and nobody is there to admit them from a waiting room."""
    orgs = {o["code"]: o["id"] for o in api(base, "GET", "/organisations", token=mediator)}
    api(
        base,
        "PUT",
        f"/organisations/{orgs['330101002']}/waiting-room",
        {"waitingRoom": False},
        log_in(base, "city-admin"),
    )
    rooms = []
    for i in range(count):
        case = api(
            base,
            "POST",
            "/cases",
            {
                "organisationId": orgs["330101002"],
                "type": "邻里纠纷",
                "title": f"{tag}{i + 1} 号纠纷",
                "severity": ("green", "yellow", "orange", "red")[i % 4],
                "parties": [],
            },
            mediator,
        )
        rooms.append(api(base, "POST", f"/cases/{case['id']}/rooms", token=mediator))
    return rooms


def fill(
    base: str, mediator: str, publishers: Publishers, room: dict[str, Any], people: int
) -> None:
    for n in range(people):
        invitation = api(
            base,
            "POST",
            f"/rooms/{room['id']}/invitations",
            {"name": f"当事人{n + 1}", "role": "party"},
            mediator,
        )
        publishers.publish(invitation["url"])


def cli(hub: HubProcess, *args: str) -> str:
    try:
        return hub.cli(*args)
    except subprocess.CalledProcessError as exc:
        raise AssertionError(f"{args}: {exc.stderr}") from None


def screen_page(
    browser: Browser, contexts: list[BrowserContext], url: str, *, ready: bool = True, **size: Any
) -> Page:
    page = open_page(browser, contexts, phone=False, **(size or WALL_DESKTOP))
    page.goto(url)
    if ready:
        page.wait_for_function("() => window.wall && window.wall.state()")
    return page


def wait_until(page: Page, predicate: str, arg: object, limit_s: float = 30) -> None:
    deadline = time.monotonic() + limit_s
    while not page.evaluate(predicate, arg):
        if time.monotonic() > deadline:
            state = page.evaluate(
                "window.wall.state().tiles.map(t => [t.tile, t.shown && t.shown.live,"
                " t.shown && t.shown.producers.length])"
            )
            raise AssertionError(f"{page.evaluate('window.wall.tiles()')}; state {state}")
        page.wait_for_timeout(100)


def keys(page: Page) -> dict[int, str]:
    return {t["tile"]: t["key"] for t in page.evaluate("window.wall.tiles()") if t["key"]}


def test_a_wall_of_two_screens_shows_rooms_and_follows_a_move(
    hub_process: HubProcess,
    browser: Browser,
    contexts: list[BrowserContext],
    publishers: Publishers,
) -> None:
    base = hub_process.base_url
    hub_process.cli("seed-demo")
    mediator = log_in(base, "mediator-east")
    rooms = case_rooms(base, mediator, 6, "墙")
    for i, room in enumerate(rooms):
        fill(base, mediator, publishers, room, 2 + i % 2)
    out = cli(
        hub_process,
        "wall",
        "create",
        "--name",
        "指挥大厅",
        "--screens",
        "2",
        "--layout",
        "3x3",
        "--org",
        "330100",
        "--base-url",
        base,
    ).split()
    wall_id, urls = out[0], out[1:]
    for tile, room in zip((1, 2, 3, 5, 7, 9), rooms, strict=True):
        cli(
            hub_process,
            "wall",
            "put",
            wall_id,
            "--screen",
            "1",
            "--tile",
            str(tile),
            "--room",
            room["name"],
        )
    one = screen_page(browser, contexts, urls[0])
    two = screen_page(browser, contexts, urls[1])
    assert "#key=" not in one.url  # the credential left the address bar
    assert one.get_by_test_id("wall-screen").count() == 1
    assert one.get_by_test_id("wall-tile").count() == 9
    wait_until(one, TILES_PLAYING, 6, limit_s=45)
    tiles = {t["tile"]: t for t in one.evaluate("window.wall.tiles()")}
    assert tiles[1]["title"] == "墙1 号纠纷" and len(tiles[2]["producers"]) == 3
    screenshot(one, "wall-screen-1920x1080")

    command = log_in(base, "command")
    moved = f"room:{rooms[3]['id']}"
    seen: list[float] = []
    for there, back in (((1, 5), (2, 1)), ((2, 1), (1, 5)), ((1, 5), (2, 1))):
        started, wall_clock = time.monotonic(), time.time()
        api(
            base,
            "POST",
            f"/walls/{wall_id}/swap",
            {
                "from": {"screen": there[0], "tile": there[1]},
                "to": {"screen": back[0], "tile": back[1]},
            },
            command,
        )
        target, source = (two, one) if back[0] == 2 else (one, two)
        while not (keys(target).get(back[1]) == moved and there[1] not in keys(source)):
            assert time.monotonic() - started < 5.0, (keys(one), keys(two))
            time.sleep(0.02)
        seen.append(time.monotonic() - started)
        wait_until(target, TILES_PLAYING, 1 if target is two else 6, limit_s=15)
        frames = [
            at / 1000 - wall_clock
            for what, at in target.evaluate("window.wall.log")
            if what.startswith("frame:") and at / 1000 > wall_clock
        ]
        print(
            f"move {there}->{back}: both screens {seen[-1] * 1000:.0f} ms,"
            f" first frames {[round(f * 1000) for f in frames]} ms;"
            f" load {open('/proc/loadavg').read().split()[0]}"
        )
    # both screens show a move within a second (the median of three: this machine is shared)
    assert statistics.median(seen) <= 1.0, seen
    wait_until(one, TILES_PLAYING, 5, limit_s=10)

    # the same screen on a laptop and on a phone (an operator checking it)
    for name, size in (
        ("1440x900", {"width": 1440, "height": 900}),
        ("390x844", {"width": 390, "height": 844}),
    ):
        page = screen_page(
            browser, contexts, urls[0].split("#")[0], ready=False, viewport=size, locale="zh-CN"
        )
        # no key in this context: the page says so plainly
        assert "凭证" in page.locator("#message-text").inner_text()
        page.close()
        one.set_viewport_size(size)
        one.wait_for_timeout(300)
        screenshot(one, f"wall-screen-{name}")


def test_a_tour_of_three_rooms_is_never_black(
    hub_process: HubProcess,
    browser: Browser,
    contexts: list[BrowserContext],
    publishers: Publishers,
) -> None:
    base = hub_process.base_url
    hub_process.cli("seed-demo")
    mediator = log_in(base, "mediator-east")
    rooms = case_rooms(base, mediator, 3, "轮巡")
    for room in rooms:
        fill(base, mediator, publishers, room, 2)
    command = log_in(base, "command")
    wall = api(base, "POST", "/walls", {"name": "轮巡墙", "screens": 1, "layout": "2x2"}, command)
    api(
        base,
        "PUT",
        f"/walls/{wall['id']}/screens/1/tiles/1",
        {
            "kind": "tour",
            "dwellS": 5,
            "items": [{"kind": "room", "roomId": r["id"]} for r in rooms],
        },
        command,
    )
    page = screen_page(browser, contexts, wall["screens"][0]["url"])
    wait_until(page, TILES_PLAYING, 1, limit_s=30)
    page.evaluate(WATCH_GAPS, 1)
    page.wait_for_timeout(11_500)  # two switches at least
    gaps = page.evaluate("window.gaps")
    print(f"tour: worst gap {gaps['worst']:.0f} ms over {gaps['keys']}")
    assert len(gaps["keys"]) >= 3, gaps
    assert gaps["started"] and gaps["worst"] <= 500, gaps
