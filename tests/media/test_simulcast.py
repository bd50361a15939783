"""Simulcast: a Chromium publisher's three encodings become layers of one
producer; each subscriber gets the layer it prefers, switches at a keyframe,
and goes down a layer when its bandwidth says so."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, pack_remb_fci

from media.layer_selector import LayerSelector
from media.router import Router
from media.simulcast_sdp import answer_layers, offered_layers
from tests.media.browser import Bench, browser_bench
from tests.media.fixtures import Subscriber

OFFER = """v=0\r
o=- 1 2 IN IP4 127.0.0.1\r
s=-\r
t=0 0\r
m=audio 9 UDP/TLS/RTP/SAVPF 111\r
a=mid:0\r
a=rid:x send\r
a=rid:y send\r
a=simulcast:send x;y\r
m=video 9 UDP/TLS/RTP/SAVPF 96\r
a=mid:1\r
a=rid:q send\r
a=rid:h send\r
a=rid:f send\r
a=rid:bad~name send\r
a=simulcast:send q;h,h2;~p;f;zz\r
m=video 9 UDP/TLS/RTP/SAVPF 96\r
a=mid:2\r
a=rid:only send\r
a=simulcast:send only\r
"""


def test_offered_layers_are_read_in_order_and_answered() -> None:
    layers = offered_layers(OFFER)
    # audio is filtered later by kind; paused (~p), undeclared (zz, h2) and
    # single-layer m-lines are not layers
    assert layers == {"0": ["x", "y"], "1": ["q", "h", "f"]}
    plain = "".join(
        line for line in OFFER.splitlines(keepends=True) if not line.startswith(("a=rid", "a=sim"))
    )
    answer = answer_layers(plain, {"1": layers["1"]})
    section = answer.split("m=video")[1]
    assert "a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f" in section
    assert answer.count("a=simulcast:recv q;h;f") == 1
    assert offered_layers("garbage") == {} and offered_layers("") == {}


def test_layer_selector_caps_on_loss_and_retries_up_later() -> None:
    selector = LayerSelector(3)
    rates = [150e3, 500e3, 1500e3]
    assert selector.target([0, 1, 2], now=0) == 2
    selector.prefer(1)
    assert selector.target([0, 1, 2], now=0) == 1
    assert selector.target([0, 2], now=0) == 0  # preferred layer not sent: the one below
    selector.prefer(None)
    selector.feedback(current=2, rates=rates, remb_bps=600_000, fraction_lost=None, now=1)
    assert selector.target([0, 1, 2], now=1) == 1  # does not fit: down
    selector.feedback(current=1, rates=rates, remb_bps=None, fraction_lost=0.3, now=2)
    assert selector.target([0, 1, 2], now=2) == 0  # heavy loss: down again
    selector.feedback(current=0, rates=rates, remb_bps=None, fraction_lost=0.0, now=3)
    assert selector.target([0, 1, 2], now=5) == 0
    assert selector.target([0, 1, 2], now=11) == 1  # tried up again after a while
    # ... and failing again right away makes the next try wait longer
    selector.feedback(current=1, rates=rates, remb_bps=None, fraction_lost=0.2, now=12)
    selector.feedback(current=0, rates=rates, remb_bps=None, fraction_lost=0.0, now=13)
    assert selector.target([0, 1, 2], now=21) == 0
    assert selector.target([0, 1, 2], now=29) == 1


async def _widths(bench: Bench, names: list[str]) -> dict[str, int]:
    out = {}
    for name in names:
        stats = await bench.call(f"stats('{name}')")
        out[name] = max((s["frameWidth"] for s in stats["inbound"]), default=0)
    return out


async def _frames(bench: Bench, name: str) -> int:
    stats = await bench.call(f"stats('{name}')")
    return sum(s["framesDecoded"] for s in stats["inbound"])


async def _until(check: Any, limit: float) -> float:
    loop = asyncio.get_running_loop()
    start = loop.time()
    while not await check():
        if loop.time() - start > limit:
            raise TimeoutError(f"not within {limit} s")
        await asyncio.sleep(0.1)  # polling the browser's statistics
    return loop.time() - start


async def _publish_three_layers(bench: Bench) -> str:
    producers = await bench.call("publish({width: 1280, height: 720, simulcast: true})")
    producer = bench.router.get_producer(producers[0]["id"])
    assert producer is not None and producer.layers == ["q", "h", "f"]
    await _until(lambda: _async(len(producer.active_layers()) == 3), 20)
    return str(producer.id)


async def _async(value: bool) -> bool:
    return value


async def test_three_layers_reach_subscribers_preferring_each() -> None:
    async with browser_bench() as bench:
        producer = await _publish_three_layers(bench)
        for name, layer in (("low", 0), ("mid", 1), ("high", 2)):
            await bench.call(f"subscribe('{name}', '{producer}', {layer})")
        expected = {"low": 320, "mid": 640, "high": 1280}

        async def right() -> bool:
            return await _widths(bench, list(expected)) == expected

        await _until(right, 15)
        layers = {name: bench.consumers[name].current_layer for name in expected}
        assert layers == {"low": 0, "mid": 1, "high": 2}


async def test_a_forced_switch_shows_frames_within_a_second() -> None:
    async with browser_bench() as bench:
        producer = await _publish_three_layers(bench)
        await bench.call(f"subscribe('viewer', '{producer}', 0)")
        consumer = bench.consumers["viewer"]

        async def width_is(width: int) -> bool:
            return (await _widths(bench, ["viewer"]))["viewer"] == width

        await _until(lambda: width_is(320), 15)
        for layer, width in ((2, 1280), (0, 320)):
            before = await _frames(bench, "viewer")
            consumer.set_preferred_layer(layer)
            elapsed = await _until(lambda width=width: width_is(width), 1.0)
            after = await _frames(bench, "viewer")
            assert after > before, f"no new frames {elapsed:.2f} s after switching"
            assert consumer.current_layer == layer


async def test_a_bandwidth_cap_takes_a_consumer_down_a_layer() -> None:
    router = Router()
    async with browser_bench(router) as bench:
        producer_id = await _publish_three_layers(bench)
        producer = router.get_producer(producer_id)
        assert producer is not None
        transport = router.create_peer_transport()
        consumer = transport.consume(producer)
        subscriber = Subscriber(transport)  # aiortc: its estimate is ours to say
        await subscriber.negotiate()
        try:
            await _until(lambda: _async(consumer.current_layer == 2), 10)
            stream = consumer.stream
            assert stream is not None and stream.params is not None
            receiver = subscriber.pc.getTransceivers()[0].receiver
            await _until(lambda: _async(producer.layer_rates[2] > 0), 3)
            cap = int(producer.layer_rates[2] * 0.4)  # "that much fits, no more"
            remb = pack_remb_fci(cap, [stream.params.ssrc])
            await receiver._send_rtcp(
                RtcpPsfbPacket(
                    fmt=RTCP_PSFB_APP,
                    ssrc=struct.unpack("!I", b"\0\0\0\1")[0],
                    media_ssrc=0,
                    fci=remb,
                )
            )
            await _until(
                lambda: _async(consumer.current_layer is not None and consumer.current_layer < 2), 3
            )
            assert consumer.target_layer < 2
        finally:
            await subscriber.close()


ENCODINGS = "window.pcs.pub.getSenders()[0].getParameters().encodings.map(e => e.rid)"


async def test_a_layered_camera_survives_a_screen_added_and_removed_twice() -> None:
    """Re-offers (a second video added, then stopped) are answered with the camera's
    rids again: Chromium keeps its three encodings, accepts every answer and the
    next offer, and a subscriber of the camera keeps getting frames."""
    async with browser_bench() as bench:
        producer_id = await _publish_three_layers(bench)
        producer = bench.router.get_producer(producer_id)
        assert producer is not None
        await bench.call(f"subscribe('low', '{producer_id}', 0)")
        await _until(lambda: _frames_above(bench, "low", 0), 15)
        for _ in range(2):
            ack = await bench.call("addScreen()")
            camera = ack["sdp"].split("m=video")[1]
            assert "a=simulcast:recv q;h;f" in camera and "rtp-stream-id" in camera
            assert len(ack["producers"]) == 2
            assert await bench.call(ENCODINGS) == ["q", "h", "f"]
            await _frames_advance(bench, "low")

            ack = await bench.call("stopScreen()")
            assert [p["id"] for p in ack["producers"]] == [producer_id]
            stopped = ack["sdp"].split("m=video")[2]
            assert stopped.startswith(" 0 "), "the stopped m-line is answered at port 0"
            assert await bench.call(ENCODINGS) == ["q", "h", "f"]
            assert await bench.call("window.pcs.pub.signalingState") == "stable"
            await _frames_advance(bench, "low")
        assert not producer.closed and producer.layers == ["q", "h", "f"]


async def _frames_above(bench: Bench, name: str, floor: int) -> bool:
    return await _frames(bench, name) > floor


async def _frames_advance(bench: Bench, name: str) -> None:
    floor = await _frames(bench, name) + 10
    await _until(lambda: _frames_above(bench, name, floor), 10)
