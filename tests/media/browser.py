"""Chromium against a bare Router: a tiny page (publish with or without simulcast,
subscribe, getStats) and the HTTP endpoints it talks to. Debian's Chromium via
Playwright's async API, fake camera, loopback."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright

from media.consumer import Consumer
from media.peer_transport import PeerTransport
from media.router import Router
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

PAGE = """<!doctype html><meta charset="utf-8"><title>media test</title>
<body><script>
async function post(path, body) {
  const r = await fetch(path, {method: "POST", body: JSON.stringify(body)});
  return r.json();
}
function gathered(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((ok) => pc.addEventListener("icegatheringstatechange",
    () => pc.iceGatheringState === "complete" && ok()));
}
window.pcs = {};
window.publish = async (opts) => {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: {width: opts.width, height: opts.height, frameRate: 30}, audio: !!opts.audio});
  const pc = new RTCPeerConnection();
  const init = {direction: "sendonly", streams: [stream]};
  if (opts.simulcast) init.sendEncodings = [
    {rid: "q", scaleResolutionDownBy: 4, maxBitrate: 150000},
    {rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500000},
    {rid: "f", maxBitrate: 1500000}];
  pc.addTransceiver(stream.getVideoTracks()[0], init);
  if (opts.audio) pc.addTransceiver(stream.getAudioTracks()[0], {direction: "sendonly"});
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const ack = await post("/publish", {sdp: pc.localDescription.sdp});
  if (ack.error) throw new Error(ack.error);
  await pc.setRemoteDescription({type: "answer", sdp: ack.sdp});
  window.pcs.pub = pc;
  return ack.producers;
};
window.renegotiate = async () => {
  const pc = window.pcs.pub;
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const ack = await post("/publish", {sdp: pc.localDescription.sdp, again: true});
  if (ack.error) throw new Error(ack.error);
  await pc.setRemoteDescription({type: "answer", sdp: ack.sdp});
  return ack;
};
window.addScreen = async () => {  // a second video, as a screen share is
  const canvas = document.createElement("canvas");
  canvas.width = 640; canvas.height = 360;
  const track = canvas.captureStream(5).getVideoTracks()[0];
  window.screenTransceiver = window.pcs.pub.addTransceiver(track, {direction: "sendonly"});
  return window.renegotiate();
};
window.stopScreen = async () => {
  window.screenTransceiver.stop();
  return window.renegotiate();
};
window.subscribe = async (name, producer, layer) => {
  const pc = new RTCPeerConnection();
  const video = document.createElement("video");
  video.muted = true; video.autoplay = true; video.playsInline = true;
  document.body.appendChild(video);
  pc.ontrack = (e) => { video.srcObject = new MediaStream([e.track]); video.play(); };
  const offer = await post("/subscribe", {name, producer, layer});
  await pc.setRemoteDescription({type: "offer", sdp: offer.sdp});
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  await post("/answer", {id: offer.id, sdp: pc.localDescription.sdp});
  window.pcs[name] = pc;
};
window.stats = async (name) => {
  const out = {outbound: [], inbound: [], pair: null};
  for (const s of (await window.pcs[name].getStats()).values()) {
    if (s.type === "outbound-rtp" && s.kind === "video") out.outbound.push({
      rid: s.rid || null, bytesSent: s.bytesSent, frameWidth: s.frameWidth || 0,
      frameHeight: s.frameHeight || 0, framesSent: s.framesSent || 0,
      targetBitrate: s.targetBitrate || 0, limitation: s.qualityLimitationReason});
    if (s.type === "inbound-rtp" && s.kind === "video") out.inbound.push({
      frameWidth: s.frameWidth || 0, framesDecoded: s.framesDecoded || 0,
      bytesReceived: s.bytesReceived, packetsLost: s.packetsLost, nackCount: s.nackCount});
    if (s.type === "candidate-pair" && s.nominated) out.pair = {
      availableOutgoingBitrate: s.availableOutgoingBitrate || 0};
  }
  return out;
};
</script></body>
"""


@dataclass
class Bench:
    """The Router under test and the consumers the page's subscribers got."""

    router: Router
    page: Page
    consumers: dict[str, Consumer] = field(default_factory=dict)
    transports: dict[str, PeerTransport] = field(default_factory=dict)

    async def call(self, expression: str, *args: Any) -> Any:
        return await self.page.evaluate(expression, *args)


def _app(bench_ref: list[Bench]) -> web.Application:
    ids = itertools.count()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def publish(request: web.Request) -> web.Response:
        bench = bench_ref[0]
        body = json.loads(await request.text())
        if body.get("again"):  # a re-offer on the publisher's connection
            transport = bench.transports["publisher"]
        else:
            transport = bench.transports["publisher"] = bench.router.create_peer_transport()
        answer = await transport.publish(body["sdp"])
        producers = [{"id": p.id, "kind": p.kind} for p in transport.producers]
        return web.json_response({"sdp": answer, "producers": producers})

    async def subscribe(request: web.Request) -> web.Response:
        bench = bench_ref[0]
        body = json.loads(await request.text())
        transport = bench.router.create_peer_transport()
        producer = bench.router.get_producer(body["producer"])
        assert producer is not None
        consumer = transport.consume(producer)
        if body.get("layer") is not None:
            consumer.set_preferred_layer(int(body["layer"]))
        key = str(next(ids))
        bench.transports[key] = transport
        bench.consumers[body["name"]] = consumer
        return web.json_response({"id": key, "sdp": await transport.subscribe_offer()})

    async def answer(request: web.Request) -> web.Response:
        bench = bench_ref[0]
        body = json.loads(await request.text())
        await bench.transports[body["id"]].subscribe_answer(body["sdp"])
        return web.json_response({})

    app = web.Application()
    app.add_routes(
        [
            web.get("/", page),
            web.post("/publish", publish),
            web.post("/subscribe", subscribe),
            web.post("/answer", answer),
        ]
    )
    return app


def busy_y4m(path: Path, width: int = 1280, height: int = 720, frames: int = 30) -> Path:
    """A camera picture an encoder cannot squeeze into a few hundred kbps (moving
    8x8 blocks of noise), for --use-file-for-fake-video-capture; Chromium loops it."""
    if path.exists():
        return path
    rng = random.Random(12)
    chroma = bytes([128]) * (width * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            rows = []
            for _ in range(height // 8):
                row = b"".join(bytes([rng.randrange(40, 216)]) * 8 for _ in range(width // 8))
                rows.append(row * 8)
            out.write(b"FRAME\n" + b"".join(rows) + chroma)
    return path


@asynccontextmanager
async def browser_bench(
    router: Router | None = None, *, camera: Path | None = None
) -> AsyncIterator[Bench]:
    router = router or Router()
    ref: list[Bench] = []
    runner = web.AppRunner(_app(ref))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    async with async_playwright() as pw:
        args = list(CHROMIUM_ARGS)
        if camera is not None:
            args.append(f"--use-file-for-fake-video-capture={camera}")
        browser: Browser = await pw.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = await browser.new_page()
            bench = Bench(router, page)
            ref.append(bench)
            await page.goto(f"http://127.0.0.1:{port}/")
            yield bench
        finally:
            await browser.close()
            await router.close()
            await runner.cleanup()
