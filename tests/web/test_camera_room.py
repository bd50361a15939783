"""A street camera in a case room, in real Chromium pages: a GStreamer RTSP camera
attached from the mediator's page plays in its tile (<video data-producer-id> with
frames); the party's phone sees it only once the mediator shares it; a snapshot and
a 10 s clip with pre-roll taken from the tile verify with `evidence verify`, and a
flipped byte fails."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.simulators.rtsp import RtspCamera
from tests.web.conftest import ROOT, HubProcess, open_page, screenshot
from tests.web.staff import check_readable, choose, settled
from tests.web.staff import log_in as staff_log_in
from tests.web.test_room_page import join, wait_until
from tests.web.test_shared_modules import api, log_in

# The camera tile's <video> shows frames that advance.
CAMERA_PLAYING = """async () => {
  const v = document.querySelector('#tiles .camera-tile video[data-producer-id]');
  if (!v) return false;
  const before = v.getVideoPlaybackQuality().totalVideoFrames;
  await new Promise(r => setTimeout(r, 500));
  return v.getVideoPlaybackQuality().totalVideoFrames > before && v.videoWidth === 640;
}"""


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspCamera]:
    with RtspCamera(gop=25) as sim:  # a keyframe a second
        yield sim


def case_room(base: str, token: str, title: str) -> dict[str, str]:
    org = next(
        o for o in api(base, "GET", "/organisations", token=token) if o["code"] == "330101001"
    )
    case = api(base, "POST", "/cases", {
        "organisationId": org["id"], "type": "市场纠纷", "title": title, "severity": "yellow",
        "parties": [{"name": "张三"}],
    }, token)  # fmt: skip
    room = api(base, "POST", f"/cases/{case['id']}/rooms", token=token)
    seat = api(base, "POST", f"/rooms/{room['id']}/seat", token=token)
    invitation = api(
        base, "POST", f"/rooms/{room['id']}/invitations", {"name": "张三", "role": "party"}, token
    )
    return {"case": case["id"], "room": room["id"], "seat": seat["url"], "party": invitation["url"]}


def evidence_verify(hub: HubProcess, evidence_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "evidence", "verify", "--lang", "en",
         "--data-dir", str(hub.data_dir), str(hub.data_dir / "recordings" / evidence_id)],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip


def saved_evidence(page: Page) -> str:
    banner = page.locator("#banner")
    expect(banner).to_have_attribute("data-code", "camera_evidence_saved", timeout=20_000)
    text = banner.inner_text()
    return text[text.rindex("（") + 1 : text.rindex("）")].split()[-1]


def test_camera_in_a_case_room(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext], camera: RtspCamera
) -> None:
    base = hub_process.base_url
    hub_process.cli("seed-demo")
    hub_process.cli("camera", "add", "--name", "菜市场东门", "--rtsp", camera.url(),
                    "--org", "330101001", "--location", "东门入口")  # fmt: skip
    mediator_token = log_in(base, "mediator-east")
    room = case_room(base, mediator_token, "菜市场摊位纠纷")

    mediator = open_page(browser, contexts, phone=False, viewport={"width": 1440, "height": 900})
    join(mediator, room["seat"], tap=False)
    phone = open_page(browser, contexts, phone=True)
    join(phone, room["party"], tap=True, admitted_by=mediator)  # the waiting room

    # the mediator opens the camera panel and puts the camera into the room
    mediator.get_by_test_id("cameras").click()
    attach = mediator.get_by_test_id("camera-attach")
    expect(attach).to_have_count(1)
    expect(mediator.locator("#camera-list")).to_contain_text("菜市场东门")
    attach.click()
    tile = mediator.locator("#tiles .camera-tile")
    expect(tile).to_have_count(1)
    expect(tile.locator(".tile-name")).to_have_text("监控 · 菜市场东门")
    wait_until(mediator, CAMERA_PLAYING, None)
    times = mediator.evaluate("window.hub.cameraTimes")
    (first_frame_ms,) = [t["firstFrame"] for t in times.values()]
    print(f"attach-to-first-frame in the browser: {first_frame_ms:.0f} ms")
    assert first_frame_ms is not None and first_frame_ms > 0
    screenshot(mediator, "camera-room-mediator-1440")

    # the party sees nothing of it until the mediator shares it
    phone.wait_for_timeout(1500)  # long enough for a leak to show; nothing to wait for
    expect(phone.locator("#tiles .camera-tile")).to_have_count(0)
    camera_producer = tile.locator("video").get_attribute("data-producer-id")
    assert camera_producer
    expect(phone.locator(f'video[data-producer-id="{camera_producer}"]')).to_have_count(0)
    expect(phone.get_by_test_id("camera-share")).to_have_count(0)
    share = mediator.get_by_test_id("camera-share")
    share.click()
    expect(share).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#tiles .camera-tile .tile-name")).to_have_text("监控 · 菜市场东门")
    wait_until(phone, CAMERA_PLAYING, None)
    expect(phone.locator("#tiles .camera-tile .camera-bar")).to_have_count(0)  # no controls
    screenshot(phone, "camera-room-party-390")
    share.click()
    expect(phone.locator("#tiles .camera-tile")).to_have_count(0)

    # evidence from the tile: a snapshot, then a 10 s clip (with the seconds before it)
    mediator.get_by_test_id("camera-snapshot").click()
    snapshot_id = saved_evidence(mediator)
    clip = mediator.get_by_test_id("camera-clip")
    clip.click()
    expect(mediator.locator("#banner")).to_have_attribute("data-code", "camera_clip_running")
    started = time.monotonic()
    mediator.wait_for_timeout(10_000)  # the clip's length: ten seconds of live video
    clip.click()
    clip_id = saved_evidence(mediator)
    assert time.monotonic() - started >= 10
    screenshot(mediator, "camera-room-evidence-1440")

    for evidence_id in (snapshot_id, clip_id):
        result = evidence_verify(hub_process, evidence_id)
        assert (
            result.returncode == 0 and "Result: intact, signed by the trusted key" in result.stdout
        ), result.stdout
    directory = hub_process.data_dir / "recordings" / clip_id
    manifest = json.loads((directory / "manifest.json").read_text())
    seconds = sum(s["duration"] for s in manifest["segments"])
    assert manifest["evidence"]["kind"] == "clip" and manifest["evidence"]["preroll_s"] >= 2
    assert seconds >= 10 + manifest["evidence"]["preroll_s"] - 1, seconds
    listed = api(base, "GET", f"/recordings?caseId={room['case']}", token=mediator_token)
    assert {e["id"]: e["kind"] for e in listed} == {snapshot_id: "snapshot", clip_id: "clip"}

    # a flipped byte in the clip's second segment or the snapshot's picture fails
    for evidence_id, name in (
        (clip_id, manifest["segments"][1]["file"]),
        (snapshot_id, "t01-00002.jpg"),
    ):
        path = hub_process.data_dir / "recordings" / evidence_id / name
        data = bytearray(path.read_bytes())
        data[len(data) // 3] ^= 0x20
        path.write_bytes(bytes(data))
        result = evidence_verify(hub_process, evidence_id)
        assert result.returncode == 1 and f"First bad segment: {name}" in result.stdout

    # the phone layout of the mediator's page with the camera
    mediator.set_viewport_size({"width": 390, "height": 844})
    screenshot(mediator, "camera-room-mediator-390")
    phone.set_viewport_size({"width": 1440, "height": 900})
    screenshot(phone, "camera-room-party-1440")


def test_admin_registers_edits_and_removes_a_camera(
    hub_process: HubProcess, browser: Browser, contexts: list[BrowserContext], camera: RtspCamera
) -> None:
    """The cameras view of the staff shell (/admin/cameras): add an RTSP camera with
    credentials (never shown again), edit it (credentials kept), delete it; a mediator
    (who uses cameras but doesn't keep the registry) has no such section."""
    base = hub_process.base_url
    hub_process.cli("seed-demo")
    secret = "Cam-Secret-7788"
    for size, name in (
        ({"width": 1440, "height": 900}, "1440"),
        ({"width": 390, "height": 844}, "390"),
    ):
        page = open_page(browser, contexts, phone=False, viewport=size)
        staff_log_in(page, base, "city-admin")
        page.goto(base + "/admin/cameras")
        expect(page.get_by_test_id("camera-admin")).to_be_visible()
        expect(page.get_by_test_id("gb-platform")).to_contain_text("未启用国标接入")
        page.get_by_test_id("new-camera").click()
        choose(page, "camera-org", "东城街道花园社区")
        page.get_by_test_id("camera-name").fill(f"小区北门 {name}")
        page.get_by_test_id("camera-location").fill("北门岗亭")
        page.get_by_test_id("camera-rtsp").fill(camera.url())
        page.get_by_test_id("camera-username").fill("admin")
        page.get_by_test_id("camera-password").fill(secret)
        page.get_by_test_id("camera-create").click()
        row = page.locator(".camera-row", has_text=f"小区北门 {name}")
        expect(row).to_contain_text("已加密保存")
        expect(row).to_contain_text(camera.url())
        expect(row.get_by_test_id("camera-state")).to_have_text("未拉流")
        assert secret not in page.content()

        # edit: the stored credentials are not shown, and kept when left empty
        row.get_by_test_id("camera-edit").click()
        expect(page.get_by_test_id("camera-password")).to_have_value("")
        expect(page.get_by_test_id("camera-rtsp")).to_have_value(camera.url())
        page.get_by_test_id("camera-location").fill("北门岗亭东侧")
        page.get_by_test_id("camera-save").click()
        expect(row).to_contain_text("北门岗亭东侧")
        expect(row).to_contain_text("已加密保存")
        settled(page)
        expect(page.locator(".el-dialog:visible")).to_have_count(0)
        expect(page.locator(".el-message")).to_have_count(0)  # the notes fade after 2.5 s
        check_readable(page)
        screenshot(page, f"admin-cameras-{name}")

        row.get_by_test_id("camera-delete").click()
        page.locator(".el-message-box").get_by_role("button", name="删除").click()
        expect(row).to_have_count(0)
    listed = hub_process.cli("camera", "list")
    assert secret not in listed and "小区北门" not in listed

    mediator = open_page(browser, contexts, phone=False, viewport={"width": 1440, "height": 900})
    staff_log_in(mediator, base, "mediator-east")
    expect(mediator.get_by_test_id("nav-cases")).to_be_visible()
    expect(mediator.get_by_test_id("nav-cameras")).to_have_count(0)
