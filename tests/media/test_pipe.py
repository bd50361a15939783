"""Pipes between routers: a producer of one room consumed in another."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from media.frames import OPUS, EncodedFrame, MediaCodec
from media.pipe import pipe_to_router
from media.router import Router
from tests.media.fixtures import (
    PacketTrack,
    Subscriber,
    connect_publisher,
    encoded_opus,
    encoded_video,
    frame_digest,
)


async def _wait_until(predicate: Callable[[], bool], limit: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


async def test_a_piped_producer_reaches_another_routers_subscribers_byte_identical() -> None:
    room, wall = Router(), Router()
    video = PacketTrack("video", encoded_video("libvpx"))
    publisher = await connect_publisher(room.create_peer_transport(), [video])
    source = room.producers[0]
    mirror = pipe_to_router(source, wall, app_data={"tile": 3})
    assert pipe_to_router(source, wall) is mirror  # one pipe per (producer, router)
    assert wall.get_producer(mirror.id) is mirror and mirror.app_data["pipedFrom"] == source.id
    assert mirror.app_data["tile"] == 3 and mirror.codec == source.codec

    transport = wall.create_peer_transport()
    consumer = transport.consume(mirror)
    viewer = Subscriber(transport)
    await viewer.negotiate()
    recorder = wall.create_direct_transport().consume(mirror)  # frames, on the far side
    mid = transport.consumer_mid(consumer.id) or ""
    try:
        await viewer.first_frame(mid)
        first = await recorder.recv_frame()
        assert first.keyframe
        await _wait_until(lambda: len(viewer.received.frames[mid]) >= 30)
        got = [frame_digest("video/VP8", data) for _, data, _ in viewer.received.frames[mid]]
        sent = [frame_digest("video/VP8", d) for d in video.sent]
        start = sent.index(got[0])
        assert len(got) > 20 and got == sent[start : start + len(got)]
        # a keyframe asked for on the far side reaches the publisher's producer
        before = source.keyframe_requests_sent + source.keyframe_requests_coalesced
        consumer.request_keyframe()
        assert source.keyframe_requests_sent + source.keyframe_requests_coalesced > before

        # the source closes: the mirror and everything on it follow
        source.close()
        assert mirror.closed and consumer.closed
        assert wall.get_producer(mirror.id) is None and source.pipes == {}
    finally:
        await viewer.close()
        await publisher.close()
        await room.close()
        await wall.close()


async def test_frame_sources_pause_and_close_through_a_pipe() -> None:
    room, wall = Router(), Router()
    codec = MediaCodec(OPUS, 48000, 2)
    source = room.create_direct_transport().produce(codec)
    mirror = pipe_to_router(source, wall)
    listener = wall.create_direct_transport().consume(mirror)
    frames = encoded_opus(20)
    for i, data in enumerate(frames[:10]):
        source.send(EncodedFrame(data, i * 960, codec))
    assert [(await listener.recv_frame()).data for _ in range(10)] == list(frames[:10])
    source.pause()
    assert mirror.paused
    source.resume()
    assert not mirror.paused
    # the far side goes away: the pipe is dropped at the source
    await wall.close()
    assert mirror.closed and source.pipes == {}
    source.send(EncodedFrame(frames[10], 10 * 960, codec))  # nobody there: no harm
    await room.close()
