"""Attach-to-first-frame in the browser (part of benchmarks/cameras.py).

A hub process (`mediation-hub serve`), a GStreamer RTSP camera kept encoding by a
background pull (as a real camera always is: each attach meets its GOP at a random
point), and the mediator's room page in Debian's Chromium. Each run clicks "接入"
(camera-attach) in the page's camera panel and reads, from the page itself, the
time from that click to the first frame the camera's <video> presents
(requestVideoFrameCallback; window.hub.cameraTimes), then takes the camera out.
Cold: the camera was not pulled (we wait past the hub's linger after taking it
out). Warm: it still was (attached again at once). Baseline in the same run:
FFmpeg's own time to its first decoded frame from the same camera, with the
same probe settings (`ffmpeg -frames:v 1`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LINGER_S = 2.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _api(base: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
    request = urllib.request.Request(
        base + "/api/v1" + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read())


def ffmpeg_first_frame(url: str) -> float:
    """Seconds until FFmpeg has decoded the camera's first frame."""
    start = time.monotonic()
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-nostdin",
            "-rtsp_transport",
            "tcp",
            "-analyzeduration",
            "150000",
            "-probesize",
            "500000",
            "-fflags",
            "nobuffer",
            "-i",
            url,
            "-frames:v",
            "1",
            "-f",
            "null",
            "-",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return time.monotonic() - start


def measure(runs: int, gop: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from rooms.demo import DEMO_PASSWORD
    from tests.services import free_port, wait_for_port
    from tests.simulators.rtsp import RtspCamera
    from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

    data = Path(tempfile.mkdtemp(prefix="camera-attach-"))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MEDIATION_HUB_CAMERA_LINGER_S": str(LINGER_S)}
    hub_cli = [sys.executable, "-m", "hub.cli"]
    with RtspCamera(gop=gop) as camera:
        keep = subprocess.Popen(  # the camera encodes all the time, as real ones do
            [
                "ffmpeg",
                "-v",
                "error",
                "-nostdin",
                "-rtsp_transport",
                "tcp",
                "-i",
                camera.url(),
                "-c",
                "copy",
                "-f",
                "null",
                "-",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        log = open(data / "server.log", "w")
        server = subprocess.Popen(
            [
                *hub_cli,
                "serve",
                "--port",
                str(port),
                "--data-dir",
                str(data),
                "--ice-address",
                "127.0.0.1",
                "--no-ice-discover",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
        try:
            wait_for_port(port, limit=30)
            base = f"http://127.0.0.1:{port}"
            for args in (
                ["seed-demo"],
                [
                    "camera",
                    "add",
                    "--name",
                    "基准摄像机",
                    "--rtsp",
                    camera.url(),
                    "--org",
                    "330101001",
                ],
            ):
                subprocess.run(
                    [*hub_cli, *args, "--data-dir", str(data)],
                    check=True,
                    capture_output=True,
                    cwd=ROOT,
                    env=env,
                )
            token = _api(
                base, "POST", "/login", {"username": "mediator-east", "password": DEMO_PASSWORD}
            )["token"]
            org = next(
                o
                for o in _api(base, "GET", "/organisations", token=token)
                if o["code"] == "330101001"
            )
            case = _api(
                base,
                "POST",
                "/cases",
                {
                    "organisationId": org["id"],
                    "type": "t",
                    "title": "基准",
                    "severity": "green",
                    "parties": [],
                },
                token,
            )
            room = _api(base, "POST", f"/cases/{case['id']}/rooms", token=token)
            seat = _api(base, "POST", f"/rooms/{room['id']}/seat", token=token)["url"]
            baseline = [ffmpeg_first_frame(camera.url()) for _ in range(runs)]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_context(
                    viewport={"width": 1440, "height": 900}, locale="zh-CN"
                ).new_page()
                page.goto(seat)
                page.get_by_test_id("consent").check()
                page.get_by_test_id("join").click()
                page.locator("#room").wait_for()
                page.get_by_test_id("cameras").click()
                cold: list[float] = []
                warm: list[float] = []
                for i in range(runs * 2):
                    is_warm = i % 2 == 1  # cold, warm, cold, warm ...
                    attach = page.get_by_test_id("camera-attach")
                    attach.wait_for()
                    camera_id = attach.get_attribute("data-camera-id")
                    attach.click()
                    page.wait_for_function(
                        "(id) => (window.hub.cameraTimes[id] || {}).firstFrame",
                        arg=camera_id,
                        timeout=30_000,
                    )
                    ms = page.evaluate("(id) => window.hub.cameraTimes[id].firstFrame", camera_id)
                    (warm if is_warm else cold).append(ms / 1000)
                    page.get_by_test_id("camera-detach").click()
                    page.locator("#tiles .camera-tile").wait_for(state="detached")
                    if is_warm:  # the next one is cold: let the pull stop
                        page.wait_for_timeout((LINGER_S + 1.5) * 1000)
                browser.close()
        finally:
            server.terminate()
            server.wait(20)
            keep.kill()
            keep.wait()
            log.close()
    return {"cold": cold, "warm": warm, "ffmpeg": baseline}


def report(result: dict[str, Any], gop: int) -> None:
    cold, warm, base = result["cold"], result["warm"], result["ffmpeg"]
    print(
        f"\nattach-to-first-frame in Chromium ({len(cold)} cold, {len(warm)} warm runs; "
        f"RTSP H.264 640x360 25 fps, GOP {gop / 25:.1f} s)"
    )
    print(f"{'':>22} {'p50 s':>7} {'p95 s':>7} {'max s':>7}")
    for name, values in (
        ("cold (camera not pulled)", cold),
        ("warm (already pulled)", warm),
        ("ffmpeg first frame", base),
    ):
        print(
            f"{name:>22} {statistics.median(values):>7.2f} {p95(values):>7.2f} {max(values):>7.2f}"
        )
    print(
        f"ratio: cold p95 is {p95(cold) / p95(base):.2f}x FFmpeg's own first decoded frame; "
        f"warm p95 {p95(warm):.2f} s (target: p95 under 1.5 s)"
    )
