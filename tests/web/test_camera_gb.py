"""GB/T 28181 in real Chromium pages: a SIPp lower platform that knocks is held, the
administrator binds it on the staff shell's cameras view, opens its catalogue tree and
adds a channel as a camera; the mediator attaches it in a case room, FFmpeg's PS over RTP plays in
the tile, and the PTZ pad sends PTZCmd to the device."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.services import free_port, wait_for_port
from tests.simulators.sipp import Channel, DeviceScenario, SippDevice
from tests.web.conftest import ROOT, HubProcess, open_page, screenshot
from tests.web.staff import choose
from tests.web.staff import log_in as staff_log_in
from tests.web.test_camera_room import CAMERA_PLAYING, case_room
from tests.web.test_room_page import join, wait_until
from tests.web.test_shared_modules import log_in

NVR, AREA, CAMERA = "34020000001180000001", "34020000002150000001", "34020000001320000001"


@pytest.fixture(scope="module")
def gb_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, int]]:
    data = tmp_path_factory.mktemp("gb-hub")
    port, sip = free_port(), free_port()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.cli", "serve", "--port", str(port), "--data-dir", str(data),
         "--ice-address", "127.0.0.1", "--no-ice-discover", "--gb-sip-port", str(sip)],
        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        wait_for_port(port, limit=30)
        base = f"http://127.0.0.1:{port}"
        urllib.request.urlopen(base + "/healthz", timeout=10).read()
        yield HubProcess(base_url=base, data_dir=data), sip
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def device(sip: int, workdir: Path, **kw: object) -> SippDevice:
    scenario = DeviceScenario(
        device_id=NVR,
        password="nvr-pass",
        channels=[Channel(AREA, "东城街道", NVR), Channel(CAMERA, "小区东门", AREA)],
        keepalives=400,
        keepalive_ms=300,
        frames=2500,
        **kw,  # type: ignore[arg-type]
    )
    return SippDevice(scenario, sip, workdir).start()


def test_gb_device_bound_on_the_admin_page_and_steered_from_the_room(
    gb_hub: tuple[HubProcess, int],
    browser: Browser,
    contexts: list[BrowserContext],
    tmp_path: Path,
) -> None:
    hub, sip = gb_hub
    hub.cli("seed-demo")
    admin = open_page(browser, contexts, phone=False, viewport={"width": 1440, "height": 900})
    staff_log_in(admin, hub.base_url, "city-admin")
    admin.goto(hub.base_url + "/admin/cameras")
    expect(admin.get_by_test_id("gb-platform")).to_contain_text(f"SIP 端口 {sip}")

    # an unknown lower platform knocks: held, shown as waiting
    knocking = device(sip, tmp_path / "knock", expect_register="403")
    try:
        assert knocking.wait_exit() == 0, knocking.errors()
    finally:
        knocking.kill()
    admin.reload()
    approve = admin.get_by_test_id("gb-approve")
    expect(approve).to_have_count(1)
    expect(admin.get_by_test_id("gb-pending")).to_contain_text(NVR)
    approve.click()
    expect(admin.get_by_test_id("gb-device-id")).to_have_value(NVR)
    choose(admin, "gb-org", "东城街道花园社区")
    admin.get_by_test_id("gb-device-name").fill("东城 NVR")
    admin.get_by_test_id("gb-device-password").fill("nvr-pass")
    admin.get_by_test_id("gb-bind").click()
    expect(admin.get_by_test_id("gb-devices")).to_contain_text("东城 NVR")

    # bound: it registers and sends its catalogue, shown as a tree
    nvr = device(sip, tmp_path / "nvr")
    try:
        devices = admin.get_by_test_id("gb-devices")
        for _ in range(100):  # the catalogue arrives over SIP; reload until it shows
            admin.reload()
            expect(devices).to_be_visible()
            if "2 个通道" in devices.inner_text():
                break
            admin.wait_for_timeout(200)
        expect(devices).to_contain_text("2 个通道")
        admin.get_by_test_id("gb-tree").click()
        catalogue = admin.get_by_test_id("gb-catalogue")
        expect(catalogue).to_contain_text("东城街道")
        catalogue.get_by_text("东城街道").click()  # opens the area: its channels load
        add = admin.get_by_test_id("gb-add-camera")
        expect(add).to_have_count(1)
        add.click()
        expect(catalogue).to_contain_text("已登记")
        registry = admin.get_by_test_id("cameras")
        expect(registry).to_contain_text("小区东门")
        expect(registry).to_contain_text(f"GB {NVR} / {CAMERA}")
        screenshot(admin, "admin-gb-1440")

        # the mediator puts it into a case room and steers it
        token = log_in(hub.base_url, "mediator-east")
        room = case_room(hub.base_url, token, "楼道纠纷")
        mediator = open_page(
            browser, contexts, phone=False, viewport={"width": 1440, "height": 900}
        )
        join(mediator, room["seat"], tap=False)
        mediator.get_by_test_id("cameras").click()
        mediator.get_by_test_id("camera-attach").click()
        expect(mediator.locator("#tiles .camera-tile .tile-name")).to_have_text("监控 · 小区东门")
        wait_until(mediator, CAMERA_PLAYING.replace("=== 640", "> 0"), None, limit_s=40)
        right = mediator.get_by_test_id("ptz-right")
        right.dispatch_event("pointerdown")
        right.dispatch_event("pointerup")
        log = nvr.wait_log("PTZ=A50F0100000000B5")
        assert "PTZ=A50F0101" in log  # right, then stop
        screenshot(mediator, "camera-room-gb-1440")
    finally:
        nvr.kill()
