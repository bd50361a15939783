"""Real aiortc peers over loopback: one publisher, several subscribers, through the hub."""

from __future__ import annotations

import asyncio

import pytest

from media import _aiortc_taps as taps
from media.router import Router
from tests.media.fixtures import (
    PacketTrack,
    Subscriber,
    connect_publisher,
    encoded_opus,
    encoded_video,
    frame_digest,
    video_session,
)


async def _wait_until(predicate, limit: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + limit
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(("encoder", "mime"), [("libvpx", "video/VP8"), ("libx264", "video/H264")])
async def test_subscribers_receive_byte_identical_frames(encoder: str, mime: str) -> None:
    router = Router()
    video = PacketTrack("video", encoded_video(encoder))
    audio = PacketTrack("audio", encoded_opus())
    pub_transport = router.create_peer_transport()
    publisher = await connect_publisher(pub_transport, [video, audio], codec=mime)
    assert {p.codec.mime_type for p in router.producers} == {mime, "audio/opus"}

    subscribers = []
    for _ in range(3):
        transport = router.create_peer_transport()
        consumers = [transport.consume(p) for p in router.producers]
        sub = Subscriber(transport)
        assert await sub.negotiate()
        subscribers.append((sub, consumers))

    try:
        for sub, consumers in subscribers:
            for consumer in consumers:
                mid = sub.transport.consumer_mid(consumer.id)
                assert mid is not None
                await sub.first_frame(mid)

        # let ~1.5 s flow, then compare every subscriber's frames with what was sent
        sent_video = len(video.sent)
        await _wait_until(lambda: len(video.sent) >= sent_video + 45)
        for sub, consumers in subscribers:
            for consumer in consumers:
                mid = sub.transport.consumer_mid(consumer.id)
                got = [frame_digest(m, data) for _, data, m in sub.received.frames[mid]]
                track = video if consumer.kind == "video" else audio
                sent = [frame_digest(consumer.codec.mime_type, d) for d in track.sent]
                assert len(got) >= 20, (consumer.kind, len(got))
                start = sent.index(got[0])
                # a contiguous, in-order, byte-identical run of what was sent
                assert got == sent[start : start + len(got)], consumer.kind
    finally:
        for sub, _ in subscribers:
            await sub.close()
        await publisher.close()
        await router.close()


async def test_mid_stream_subscriber_gets_first_frame_within_a_second() -> None:
    router = Router()
    video = PacketTrack("video", encoded_video("libvpx"))
    publisher = await connect_publisher(router.create_peer_transport(), [video])
    try:
        await _wait_until(lambda: len(video.sent) >= 40)  # well past the first keyframe
        transport = router.create_peer_transport()
        consumer = transport.consume(router.producers[0])
        sub = Subscriber(transport)
        started = asyncio.get_running_loop().time()
        await sub.negotiate()
        await sub.first_frame(transport.consumer_mid(consumer.id) or "")
        elapsed = asyncio.get_running_loop().time() - started
        assert elapsed < 1.0, f"first frame after {elapsed:.2f} s"
        first = sub.received.frames[transport.consumer_mid(consumer.id) or ""][0][1]
        assert first[0] & 0x01 == 0, "the first forwarded frame is a keyframe"
        await sub.close()
    finally:
        await publisher.close()
        await router.close()


async def test_stalled_consumer_does_not_slow_the_others() -> None:
    router = Router()
    video = PacketTrack("video", encoded_video("libvpx"))
    publisher = await connect_publisher(router.create_peer_transport(), [video])
    producer = router.producers[0]
    stalled = [router.create_direct_transport().consume(producer) for _ in range(5)]
    transport = router.create_peer_transport()
    consumer = transport.consume(producer)
    sub = Subscriber(transport)
    await sub.negotiate()
    mid = transport.consumer_mid(consumer.id) or ""
    try:
        await sub.first_frame(mid)
        before_sent, before_got = len(video.sent), len(sub.received.frames[mid])
        dropped = consumer.dropped_frames  # (before its first keyframe, if any)
        await _wait_until(lambda: len(video.sent) >= before_sent + 60)  # ~2 s
        sent = len(video.sent) - before_sent
        # every frame sent in the window reaches the healthy subscriber (a loaded
        # machine may delay them; none is dropped for it)
        await _wait_until(lambda: len(sub.received.frames[mid]) - before_got >= sent - 1)
        assert consumer.dropped_frames == dropped
        for s in stalled:
            assert s.queued <= router.options.consumer_queue_frames
            assert s.dropped_frames > 0 or s.queued > 0
    finally:
        await sub.close()
        await publisher.close()
        await router.close()


async def test_subscriber_pli_reaches_the_publisher_and_decoders_never_run() -> None:
    async with video_session() as session:
        plis = asyncio.Event()
        taps.on_keyframe_request(session.publisher.getTransceivers()[0].sender, plis.set)
        await session.subscriber.first_frame(session.mid)
        plis.clear()
        receiver = session.subscriber.pc.getTransceivers()[0].receiver
        await taps.request_keyframe(receiver)  # the subscriber lost its picture
        await asyncio.wait_for(plis.wait(), 3)

        # the hub's receiver never decoded: its track got no decoded frames
        publish_pc = session.router.transports[0]._publish_pc  # type: ignore[attr-defined]
        hub_receiver = publish_pc.getTransceivers()[0].receiver
        assert taps.is_tapped(hub_receiver)
        assert hub_receiver.track._queue.qsize() == 0
        assert session.router.counters.received_packets > 10
        # ... and forwarding is packets only: no frame was assembled for anyone
        assert session.router.counters.received_frames == 0


async def test_producer_close_renegotiates_subscribers() -> None:
    async with video_session() as session:
        needed = asyncio.Event()
        session.transport.observer.on("negotiationneeded", needed.set)
        await session.subscriber.first_frame(session.mid)
        session.router.producers[0].close()
        await asyncio.wait_for(needed.wait(), 1)
        assert session.consumer.closed
        offer = await session.transport.subscribe_offer()
        assert offer is not None and "a=inactive" in offer


async def test_subscriber_nacks_are_served_with_retransmissions() -> None:
    async with video_session() as session:
        receiver = session.subscriber.pc.getTransceivers()[0].receiver
        seen: list[tuple[int, int]] = []  # (SSRC, sequence number) of arriving RTP
        media_ssrc: list[int] = []
        retransmitted = asyncio.Event()
        original = receiver._handle_rtp_packet

        async def spy(packet, arrival_time_ms):  # type: ignore[no-untyped-def]
            seen.append((packet.ssrc, packet.sequence_number))
            if media_ssrc and packet.ssrc != media_ssrc[0]:
                retransmitted.set()  # RTX: the retransmission stream
            await original(packet, arrival_time_ms)

        receiver._handle_rtp_packet = spy  # observe the subscriber's wire (test side only)
        await session.subscriber.first_frame(session.mid)
        ssrc, seq = seen[-1]
        media_ssrc.append(ssrc)
        await receiver._send_rtcp_nack(ssrc, [seq])  # "I lost that one"
        await asyncio.wait_for(retransmitted.wait(), 3)


async def test_one_negotiation_can_carry_several_producers_of_each_kind() -> None:
    """Regression: with aiortc's default bundle policy the second video m-line of an
    offer stayed on a transport that BUNDLE then closed, so it never flowed."""
    router = Router()
    publishers = [
        await connect_publisher(
            router.create_peer_transport(),
            [PacketTrack("audio", encoded_opus()), PacketTrack("video", encoded_video("libvpx"))],
        )
        for _ in range(2)
    ]
    transport = router.create_peer_transport()
    consumers = [transport.consume(p) for p in router.producers]
    sub = Subscriber(transport)
    await sub.negotiate()
    try:
        for consumer in consumers:
            await sub.first_frame(transport.consumer_mid(consumer.id) or "")
    finally:
        await sub.close()
        for publisher in publishers:
            await publisher.close()
        await router.close()
