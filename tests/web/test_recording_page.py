"""A real browser session recorded from the mediator's page: everyone sees
"录制中", the sealed segments play (ffprobe), the recording verifies, one
party's audio and video line up on the recording's timing map, and the console
plays every track back side by side, in sync, from the original segments."""

from __future__ import annotations

import json
import subprocess
import time

from playwright.sync_api import Browser, BrowserContext, Page, expect

from recorder.store import list_recordings
from recorder.timing import Timeline
from recorder.verify import verify
from tests.web.av_sync import FLASH_AND_BEEP, lip_sync_offsets
from tests.web.conftest import HubProcess, open_page, screenshot
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
