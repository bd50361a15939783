"""A real browser session recorded from the mediator's page: everyone sees
"录制中", the sealed segments play (ffprobe), the recording verifies, and one
party's audio and video line up on the recording's timing map."""

from __future__ import annotations

import json
import subprocess
import time

from playwright.sync_api import Browser, BrowserContext, expect

from recorder.store import list_recordings
from recorder.timing import Timeline
from recorder.verify import verify
from tests.web.av_sync import FLASH_AND_BEEP, lip_sync_offsets
from tests.web.conftest import HubProcess, open_page, screenshot
from tests.web.test_room_page import VIDEOS_PLAYING, join, wait_until

RECORD_SECONDS = 20
LIP_SYNC_S = 0.1  # audio and video of one participant, on the timing map


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
