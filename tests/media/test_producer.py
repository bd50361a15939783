"""Keyframe requests go upstream at most once per interval; the rest coalesce;
once the keyframes asked for have come, the next request goes at once."""

from __future__ import annotations

import asyncio
import time

from aiortc.rtp import RtpPacket

from media.counters import MediaCounters
from media.frames import OPUS, VP8, EncodedFrame, MediaCodec
from media.producer import Producer
from media.router import Router
from media.transport import RouterOptions

KEY = b"\x10\x10\x02\x00\x9d\x01\x2a"  # VP8 RTP descriptor (S), key frame tag
DELTA = b"\x10\x11\x02\x00"  # ... inter frame tag


async def test_keyframe_requests_are_rate_limited_and_coalesced() -> None:
    interval = 0.3
    sent: list[float] = []
    second = asyncio.Event()

    def requester() -> None:
        sent.append(time.monotonic())
        if len(sent) == 2:
            second.set()

    router = Router(RouterOptions(keyframe_interval_s=interval))
    transport = router.create_direct_transport()
    producer = transport.produce(MediaCodec(VP8, 90000), keyframe_requester=requester)
    consumers = [transport.consume(producer) for _ in range(5)]  # each asks once
    for _ in range(20):
        consumers[0].request_keyframe()
    assert len(sent) == 1, "only the first request goes out at once"
    await asyncio.wait_for(second.wait(), 5)
    assert len(sent) == 2, "the burst was coalesced into one trailing request"
    assert sent[1] - sent[0] >= interval * 0.95
    assert producer.keyframe_requests_sent == 2
    assert producer.keyframe_requests_coalesced >= 20
    await router.close()


async def test_audio_producers_are_never_asked_for_keyframes() -> None:
    calls: list[int] = []
    router = Router()
    transport = router.create_direct_transport()
    producer = transport.produce(
        MediaCodec(OPUS, 48000, 2), keyframe_requester=lambda: calls.append(1)
    )
    transport.consume(producer).request_keyframe()
    assert calls == []
    await router.close()


async def test_pending_request_is_cancelled_on_close() -> None:
    calls: list[int] = []
    router = Router(RouterOptions(keyframe_interval_s=0.05))
    transport = router.create_direct_transport()
    producer = transport.produce(MediaCodec(VP8, 90000), keyframe_requester=lambda: calls.append(1))
    consumer = transport.consume(producer)
    consumer.request_keyframe()  # coalesced behind the consumer's own first request
    producer.close()
    await asyncio.sleep(0.1)  # past the interval: a cancelled timer must not fire
    assert calls == [1]
    await router.close()


async def test_a_start_after_an_answered_request_goes_at_once_a_repair_waits() -> None:
    """A screen that shows one room, then another a moment later: the second start
    waits for the publisher's keyframe, not for the rest of the interval. A
    subscriber's PLI (a repair) keeps the interval: lossy subscribers must not fill
    the publisher's uplink with keyframes."""
    sent: list[float] = []
    router = Router(RouterOptions(keyframe_interval_s=30))
    transport = router.create_direct_transport()
    codec = MediaCodec(VP8, 90000)
    producer = transport.produce(codec, keyframe_requester=lambda: sent.append(1))
    first = transport.consume(producer)  # starts: asks for a keyframe
    transport.consume(producer)  # before the answer: folded in
    assert (len(sent), producer.keyframe_requests_coalesced) == (1, 1)
    producer.send(EncodedFrame(b"\x01\x00\x00", 3000, codec))  # not a keyframe
    transport.consume(producer)
    assert len(sent) == 1, "no keyframe came: the interval holds"
    producer.send(EncodedFrame(b"\x00\x00\x00", 6000, codec, keyframe=True))
    assert all(c.queued == 1 for c in producer.consumers), "the keyframe started them all"
    first.request_keyframe()  # the subscriber lost its picture
    assert len(sent) == 1, "a repair keeps the interval"
    transport.consume(producer)
    assert len(sent) == 2, "answered: a starting consumer's request goes at once"
    transport.consume(producer)
    assert len(sent) == 2, "and the one after that waits for the next answer"
    await router.close()


async def test_only_the_layer_asked_for_answers_a_simulcast_request() -> None:
    """A consumer waiting for the high layer is not answered by the low layer's
    keyframe (or it would ask again at once, and again: a PLI storm)."""
    sent: list[int] = []
    producer = Producer(
        codec=MediaCodec(VP8, 90000),
        counters=MediaCounters(),
        keyframe_requester=lambda: sent.append(1),
        keyframe_interval_s=30,
        on_close=lambda p: None,
        layers=["l", "f"],
    )
    seq = iter(range(100))

    def packet(layer: int, payload: bytes) -> None:
        n = next(seq)
        producer._receive_rtp(
            RtpPacket(
                payload_type=96, sequence_number=n, timestamp=n, ssrc=layer + 1, payload=payload
            ),
            layer,
        )

    packet(0, DELTA)
    packet(1, DELTA)  # both layers active
    producer.request_keyframe(1, start=True)
    assert len(sent) == 1
    packet(0, KEY)
    producer.request_keyframe(1, start=True)
    assert len(sent) == 1, "the low layer's keyframe does not answer a request for the high"
    packet(1, KEY)
    producer.request_keyframe(1, start=True)
    assert len(sent) == 2, "the high layer's does"
    producer.close()
