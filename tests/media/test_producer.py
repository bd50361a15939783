"""Keyframe requests go upstream at most once per interval; the rest coalesce."""

from __future__ import annotations

import asyncio
import time

from media.frames import OPUS, VP8, MediaCodec
from media.router import Router
from media.transport import RouterOptions


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
