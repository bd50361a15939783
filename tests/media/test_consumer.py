"""Consumer queueing: keyframe gating, bounded memory, pause/resume."""

from __future__ import annotations

import asyncio

from media.consumer import REPLAY, SQUEEZE, ConsumerClosed
from media.frames import OPUS, VP8, EncodedFrame, MediaCodec
from media.router import Router
from media.transport import RouterOptions

VP8_CODEC = MediaCodec(VP8, 90000)
OPUS_CODEC = MediaCodec(OPUS, 48000, 2)
KEY = b"\x10\x02\x00\x9d\x01\x2a" + bytes(20)  # VP8 frame tag P=0: keyframe
DELTA = b"\x11\x02\x00" + bytes(20)  # P=1: inter frame


def vp8(ts: int, key: bool) -> EncodedFrame:
    return EncodedFrame((KEY if key else DELTA) + ts.to_bytes(4, "big"), ts, VP8_CODEC)


def setup(queue_frames: int = 8):  # type: ignore[no-untyped-def]
    requests: list[float] = []
    router = Router(RouterOptions(consumer_queue_frames=queue_frames, keyframe_interval_s=0.0))
    transport = router.create_direct_transport()
    producer = transport.produce(VP8_CODEC, keyframe_requester=lambda: requests.append(1))
    return router, transport, producer, requests


async def test_video_consumer_starts_on_a_keyframe_and_asks_for_one() -> None:
    router, transport, producer, requests = setup()
    consumer = transport.consume(producer)
    assert requests, "a new consumer asks the producer for a keyframe"
    producer.send(vp8(1, False))
    producer.send(vp8(2, False))
    producer.send(vp8(3, True))
    producer.send(vp8(4, False))
    assert [(await consumer.recv_frame()).timestamp for _ in range(2)] == [3, 4]
    assert consumer.dropped_frames == 2
    await router.close()


async def test_overflow_drops_to_the_next_keyframe_and_memory_stays_bounded() -> None:
    router, transport, producer, _ = setup(queue_frames=8)
    stalled = transport.consume(producer)  # never read
    reader = transport.consume(producer)
    producer.send(vp8(0, True))
    got = []
    for ts in range(1, 200):
        producer.send(vp8(ts, ts % 50 == 0))
        got.append((await reader.recv_frame()).timestamp)
        assert stalled.queued <= 8
    assert got == list(range(199))  # the reader missed nothing, in order
    assert stalled.dropped_frames > 150
    # when the stalled one reads again, it starts on a keyframe
    producer.send(vp8(200, False))
    producer.send(vp8(201, True))
    first = await stalled.recv_frame()
    assert first.keyframe
    await router.close()


async def test_audio_overflow_drops_oldest() -> None:
    router = Router(RouterOptions(consumer_queue_frames=4))
    transport = router.create_direct_transport()
    producer = transport.produce(OPUS_CODEC)
    consumer = transport.consume(producer)
    for ts in range(10):
        producer.send(EncodedFrame(bytes([ts]), ts * 960, OPUS_CODEC))
    assert [(await consumer.recv_frame()).timestamp // 960 for _ in range(4)] == [6, 7, 8, 9]
    await router.close()


async def test_paused_consumer_gets_nothing_and_resumes_on_a_keyframe() -> None:
    router, transport, producer, requests = setup()
    consumer = transport.consume(producer)
    producer.send(vp8(1, True))
    consumer.pause()
    producer.send(vp8(2, True))
    requests.clear()
    consumer.resume()
    assert requests == [1]
    producer.send(vp8(3, False))
    producer.send(vp8(4, True))
    assert (await consumer.recv_frame()).timestamp == 4
    await router.close()


async def test_recv_frame_ends_when_the_producer_closes() -> None:
    router, transport, producer, _ = setup()
    consumer = transport.consume(producer)
    waiting = asyncio.ensure_future(consumer.recv_frame())
    await asyncio.sleep(0)
    producer.close()
    try:
        await waiting
    except ConsumerClosed:
        pass
    else:
        raise AssertionError("recv_frame returned after close")
    await router.close()


async def test_a_priming_consumer_starts_from_the_kept_gop() -> None:
    router = Router(RouterOptions(consumer_queue_frames=16))
    producer = router.create_direct_transport().produce(MediaCodec(VP8, 90000))
    producer.keep_gop()
    sent = [vp8(i * 3000, key=i % 5 == 0) for i in range(8)]  # keyframes at 0 and 5
    for frame in sent:
        producer.send(frame)
    assert [f.timestamp for f in producer.cached_gop] == [15000, 18000, 21000]
    transport = router.create_direct_transport()
    late = transport._create_consumer(producer, None, paused=True, prime=SQUEEZE)
    plain = transport._create_consumer(producer, None, paused=True)
    late.resume()
    plain.resume()
    # the late viewer starts at once from the keyframe, timestamps drawn up to the newest
    got = [await late.recv_frame() for _ in range(3)]
    assert [f.data for f in got] == [f.data for f in sent[5:]]
    assert [f.timestamp for f in got] == [20998, 20999, 21000] and got[0].keyframe
    assert late.primed_frames == 3 and plain.queued == 0  # the other waits for a keyframe
    producer.send(vp8(24000, key=False))
    assert (await late.recv_frame()).timestamp == 24000 and plain.queued == 0
    # a GOP longer than is kept isn't cached: back to waiting for a keyframe
    for i in range(300):
        producer.send(vp8(27000 + i * 3000, key=False))
    assert producer.cached_gop == []
    # recorders never start from the past; a pipe replays the GOP as it was
    recorder = transport.consume(producer)
    assert recorder.queued == 0 and recorder.primed_frames == 0
    producer.send(vp8(10**6, key=True))
    producer.send(vp8(10**6 + 3000, key=False))
    pipe = transport.consume(producer, prime=REPLAY)
    assert [(await pipe.recv_frame()).timestamp for _ in range(2)] == [10**6, 10**6 + 3000]
