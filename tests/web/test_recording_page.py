"""A real browser session recorded from the mediator's page: everyone sees
"录制中", the sealed segments play (ffprobe), the recording verifies, one
party's audio and video line up on the recording's timing map, and the console
plays every track back side by side, in sync, from the original segments."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import threading
import time

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from hub.config import Config
from recorder.store import list_recordings
from recorder.timing import Timeline
from recorder.verify import verify
from tests.signaling.test_rest_authz import record_briefly
from tests.web.av_sync import FLASH_AND_BEEP, lip_sync_offsets
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.staff import org_id, rest, token_of
from tests.web.test_console import log_in
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until

RECORD_SECONDS = 20
LIP_SYNC_S = 0.1  # audio and video of one participant, on the timing map
PLAYBACK_DRIFT_S = 0.2  # each track's element against the page's master clock

ALL_PLAYING = """(n) => {
  const p = window.player, t = p.time();
  const active = p.tracks().filter((x) => x.active);
  return p.playing() && active.length === n && active.every((x) =>
    !x.paused && x.readyState >= 3 && (x.kind === "audio" || x.videoWidth > 0));
}"""


def test_mediator_records_a_session_everyone_sees_it_and_it_verifies(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    room = "录制测试"
    mediator = open_page(browser, contexts, phone=False)
    party_a = open_page(browser, contexts, phone=True)
    party_b = open_page(browser, contexts, phone=True)
    party_a.add_init_script(FLASH_AND_BEEP)  # 张三's camera flashes as its microphone beeps
    join(
        mediator, hub_process.invite(room, "王调解员", role="mediator") + "?noconfirm=1", tap=False
    )
    join(party_a, hub_process.invite(room, "张三"), tap=True)
    join(party_b, hub_process.invite(room, "李四"), tap=True)
    for page in (mediator, party_a, party_b):
        wait_until(page, VIDEOS_PLAYING, 2)
    expect(party_a.locator("#recording")).to_be_hidden()

    mediator.get_by_test_id("record").click()
    for page in (mediator, party_a, party_b):
        expect(page.locator("#recording")).to_be_visible()
    screenshot(party_a, "party-recording")
    started = time.monotonic()
    while time.monotonic() - started < RECORD_SECONDS:
        mediator.wait_for_timeout(500)  # the session goes on while it is recorded
    mediator.get_by_test_id("record").click()
    for page in (mediator, party_a, party_b):
        expect(page.locator("#recording")).to_be_hidden()

    (recording,) = list_recordings(hub_process.data_dir / "recordings", room=room)
    directory = recording.path
    report = verify(directory)
    assert report.ok, report.text()
    manifest = json.loads((directory / "manifest.json").read_text())
    kinds = sorted(t["kind"] for t in manifest["tracks"].values())
    assert kinds == ["audio"] * 3 + ["video"] * 3, manifest["tracks"]
    assert {c["method"] for c in manifest["consents"]} >= {"party-page-checkbox"}
    for segment in manifest["segments"]:
        probe = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "stream=codec_name",
                "-of",
                "json",
                str(directory / segment["file"]),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        codecs = {s["codec_name"] for s in json.loads(probe.stdout)["streams"]}
        assert codecs & {"vp8", "h264", "opus"}, (segment["file"], probe.stdout)
    recorded = sum(s["duration"] for s in manifest["segments"]) / len(manifest["tracks"])
    assert recorded > RECORD_SECONDS * 0.6, recorded

    # lip sync: 张三's flashes and beeps, found in the recorded segments
    (zhang,) = [p["id"] for p in manifest["participants"] if p["name"] == "张三"]
    timeline = Timeline(manifest)
    assert all(
        timeline.uses_sender_clock(tid)
        for tid, t in manifest["tracks"].items()
        if t["participant_id"] == zhang
    ), "no RTCP sender report was recorded"
    offsets = lip_sync_offsets(directory, manifest, zhang, timeline)
    arrival_only = lip_sync_offsets(
        directory,
        manifest,
        zhang,
        Timeline(
            {**manifest, "segments": [{**s, "sender_clock": None} for s in manifest["segments"]]}
        ),
    )
    print(f"lip sync, audio minus video (ms), sender clock: {[round(o * 1000) for o in offsets]}")
    print(f"lip sync, arrival times only (ms): {[round(o * 1000) for o in arrival_only]}")
    assert len(offsets) >= RECORD_SECONDS * 0.6, offsets
    assert max(abs(o) for o in offsets) < LIP_SYNC_S, offsets

    # the console plays it back: all six tracks, side by side, in sync
    hub_process.cli("seed-demo")
    console = open_page(browser, contexts, phone=False)
    log_in(console, hub_process.base_url, "city-admin")  # an ad-hoc room: administrators
    console.goto(f"{hub_process.base_url}/console/recordings/{recording.id}")
    expect(console.get_by_test_id("recording-tile")).to_have_count(6)
    expect(console.get_by_test_id("recording-verified")).to_have_attribute("data-ok", "true")
    console.get_by_test_id("recording-play").click()
    console.wait_for_function(ALL_PLAYING, arg=6, timeout=15_000)
    drift = playback_drift(console)
    console.evaluate(
        "() => { const s = document.getElementById('seek');"
        " s.value = String(window.player.duration() / 2);"
        " s.dispatchEvent(new Event('input')); }"
    )
    console.wait_for_function(ALL_PLAYING, arg=6, timeout=15_000)
    assert console.evaluate("() => window.player.time()") > RECORD_SECONDS * 0.3
    drift += playback_drift(console)
    screenshot(console, "console-recording-playback")
    for width, height in ((1440, 900), (390, 844)):
        console.set_viewport_size({"width": width, "height": height})
        screenshot(console, f"console-recording-playback-{width}x{height}")
    console.set_viewport_size({"width": 1366, "height": 800})
    print(f"playback drift against the master clock (ms): max {max(drift) * 1000:.0f}")
    assert max(drift) < PLAYBACK_DRIFT_S, drift

    # a legal hold, from the page: deleting is then refused, saying why
    console.get_by_test_id("recording-reason").fill("当事人已起诉，需保全")
    console.get_by_test_id("recording-hold").click()
    expect(console.locator("#retention")).to_contain_text("法律保全中")
    console.get_by_test_id("recording-delete").click()
    result = console.get_by_test_id("recording-action-result")
    expect(result).to_have_attribute("data-code", "legal_hold")
    expect(result).to_contain_text("法律保全")
    expect(console.get_by_test_id("recording-tile")).to_have_count(6)

    # a mediator outside the room's organisation is refused
    other = open_page(browser, contexts, phone=False)
    log_in(other, hub_process.base_url, "mediator-east")
    other.goto(f"{hub_process.base_url}/console/recordings/{recording.id}")
    expect(other.get_by_test_id("recording-error")).to_have_attribute("data-code", "forbidden")
    expect(other.get_by_test_id("recording-tile")).to_have_count(0)


def playback_drift(page: Page) -> list[float]:
    """How far each playing track is from the master clock, sampled over ~2 s."""
    drift: list[float] = []
    for _ in range(8):
        page.wait_for_timeout(250)  # sampling a steady state, not waiting for an event
        sample = page.evaluate("() => ({t: window.player.time(), tracks: window.player.tracks()})")
        drift += [abs(x["currentTime"] - sample["t"]) for x in sample["tracks"] if x["active"]]
    return drift


# The mean luminance (0-255) of a PNG (a screenshot), decoded by the page itself.
PNG_BRIGHTNESS = """async (b64) => {
  const img = new Image();
  img.src = "data:image/png;base64," + b64;
  await img.decode();
  const c = document.createElement("canvas");
  c.width = img.width; c.height = img.height;
  const g = c.getContext("2d");
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) {
    sum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
  }
  return sum / (d.length / 4);
}"""
# The same over the centre of the frame the <video> holds (what it decoded, before any
# overlay): the region the screenshot covers, scaled to the video's own pixels.
VIDEO_BRIGHTNESS = """([video, cssPx]) => {
  const scale = video.videoWidth / video.getBoundingClientRect().width;
  const side = Math.max(1, Math.round(cssPx * scale));
  const c = document.createElement("canvas");
  c.width = video.videoWidth; c.height = video.videoHeight;
  const g = c.getContext("2d");
  g.drawImage(video, 0, 0);
  const x = Math.round(video.videoWidth / 2 - side / 2);
  const y = Math.round(video.videoHeight / 2 - side / 2);
  const d = g.getImageData(x, y, side, side).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) {
    sum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
  }
  return sum / (d.length / 4);
}"""


def centre_brightness(page: Page, video: Locator, css_px: int = 20) -> tuple[float, float]:
    """(what the screen shows, what the video decoded) at the centre of a video tile."""
    box = video.bounding_box()
    assert box is not None
    clip = {
        "x": box["x"] + box["width"] / 2 - css_px / 2,
        "y": box["y"] + box["height"] / 2 - css_px / 2,
        "width": css_px,
        "height": css_px,
    }
    shown = page.evaluate(PNG_BRIGHTNESS, base64.b64encode(page.screenshot(clip=clip)).decode())
    source = page.evaluate(VIDEO_BRIGHTNESS, [video.element_handle(), css_px])
    return shown, source


def seek(page: Page, at: float) -> None:
    page.evaluate(
        "(at) => { const s = document.getElementById('seek'); s.value = String(at);"
        " s.dispatchEvent(new Event('input')); }",
        at,
    )


def test_recording_page_labels_tracks_says_why_one_is_missing_and_plays_unveiled(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    room = "录像标注测试"
    mediator = open_page(browser, contexts, phone=False)
    party = open_page(browser, contexts, phone=True)
    join(
        mediator, hub_process.invite(room, "王调解员", role="mediator") + "?noconfirm=1", tap=False
    )
    join(party, hub_process.invite(room, "张三"), tap=True)
    for page in (mediator, party):
        wait_until(page, VIDEOS_PLAYING, 1)
    mediator.get_by_test_id("record").click()
    expect(party.locator("#recording")).to_be_visible()
    # the session goes on while it is recorded: 张三 mutes, then turns the camera off
    party.wait_for_timeout(3000)
    party.get_by_test_id("mute").tap()
    party.wait_for_timeout(3000)
    party.get_by_test_id("mute").tap()
    party.get_by_test_id("camera").tap()
    party.wait_for_timeout(3000)
    party.get_by_test_id("camera").tap()
    party.wait_for_timeout(2000)
    mediator.get_by_test_id("record").click()
    expect(party.locator("#recording")).to_be_hidden()
    (recording,) = list_recordings(hub_process.data_dir / "recordings", room=room)

    hub_process.cli("seed-demo")
    base = hub_process.base_url
    tracks = rest(
        base, "GET", f"/recordings/{recording.id}/tracks", token=token_of(base, "city-admin")
    )
    t0 = min(s["start"] for t in tracks["tracks"] for s in t["segments"])
    zhang = {t["kind"]: t for t in tracks["tracks"] if t["name"] == "张三"}
    (muted,) = zhang["audio"]["pauses"]
    (camera_off,) = zhang["video"]["pauses"]
    assert muted["by"] == camera_off["by"] == "self" and muted["to"] and camera_off["to"]

    console = open_page(browser, contexts, phone=False)
    log_in(console, base, "city-admin")
    console.goto(f"{base}/console/recordings/{recording.id}")
    labels = console.get_by_test_id("recording-track-label")
    expect(labels).to_have_count(4)
    assert sorted(labels.all_inner_texts()) == sorted(
        ["张三 · 摄像头", "张三 · 麦克风", "王调解员 · 摄像头", "王调解员 · 麦克风"]
    )
    console.get_by_test_id("recording-play").click()
    console.wait_for_function(ALL_PLAYING, arg=4, timeout=15_000)

    # a playing tile is not covered: the screen shows what the video decoded
    mediator_tile = console.get_by_test_id("recording-tile").filter(has_text="王调解员 · 摄像头")
    console.get_by_test_id("recording-play").click()  # pause: one still frame to compare
    video = mediator_tile.locator("video")
    console.wait_for_function("(v) => v.paused && v.readyState >= 2", arg=video.element_handle())
    expect(mediator_tile.get_by_test_id("recording-veil")).to_be_hidden()
    shown, source = centre_brightness(console, video)
    print(f"tile centre brightness: shown {shown:.0f}, decoded {source:.0f}")
    assert source > 40, "the fake camera's centre should be bright enough to tell"
    assert abs(shown - source) < 20, (shown, source)
    screenshot(console, "console-recording-unveiled")

    # where 张三's microphone was muted, and where the camera was off, the page says so
    reasons = """(name) => window.player.tracks().filter((t) => t.label === name)
      .map((t) => t.reason)[0]"""
    seek(console, (muted["from"] + muted["to"]) / 2 - t0)
    console.wait_for_function(f"() => ({reasons})('张三 · 麦克风') === 'muted'")
    audio_tile = console.get_by_test_id("recording-tile").filter(has_text="张三 · 麦克风")
    expect(audio_tile.get_by_test_id("recording-veil")).to_have_text("此时已静音")
    seek(console, (camera_off["from"] + camera_off["to"]) / 2 - t0)
    video_tile = console.get_by_test_id("recording-tile").filter(has_text="张三 · 摄像头")
    expect(video_tile.get_by_test_id("recording-veil")).to_have_text("此时摄像头已关闭")
    # unmuted by then: whatever the microphone's tile says, it no longer says muted
    console.wait_for_function(f"() => !['muted', 'loading'].includes(({reasons})('张三 · 麦克风'))")
    screenshot(console, "console-recording-camera-off")


def test_recording_page_offers_only_what_the_viewer_may_do(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """A mediator may export but not hold or delete; a reviewer may hold but not
    export; an administrator all three. The page shows exactly those buttons."""
    hub_process.cli("seed-demo")
    base = hub_process.base_url
    admin = token_of(base, "city-admin")
    east = org_id(base, admin, "330101001")
    config = Config()
    config.server.data_dir = hub_process.data_dir
    made: list[str] = []
    worker = threading.Thread(  # Playwright's loop runs in this thread
        target=lambda: made.append(asyncio.run(record_briefly(config, "权限测试调解室", east)))
    )
    worker.start()
    worker.join(60)
    (recording_id,) = made
    expected = {
        "mediator-east": {"recording-export"},
        "reviewer": {"recording-hold"},
        "city-admin": {"recording-export", "recording-hold", "recording-delete"},
    }
    for username, buttons in expected.items():
        page = open_page(browser, contexts, phone=False)
        log_in(page, base, username)
        page.goto(f"{base}/console/recordings/{recording_id}")
        expect(page.get_by_test_id("recording-verified")).to_have_attribute("data-ok", "true")
        for testid in ("recording-export", "recording-hold", "recording-delete"):
            expect(page.get_by_test_id(testid)).to_have_count(1 if testid in buttons else 0)
        expect(page.get_by_test_id("recording-reason")).to_have_count(
            1 if buttons & {"recording-hold", "recording-delete"} else 0
        )
        if username == "reviewer":
            page.get_by_test_id("recording-reason").fill("复议期间保全")
            page.get_by_test_id("recording-hold").click()
            expect(page.get_by_test_id("recording-retention")).to_contain_text("法律保全中")
            expect(page.get_by_test_id("recording-hold")).to_have_text("解除保全")
