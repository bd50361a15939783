"""The packet path with real aiortc peers over loopback: what a subscriber gets
on the wire is the publisher's RTP payloads, rewritten per subscriber only in
the header; NACKs are answered from the consumer's history; sender reports
keep the wall clock; m-lines are reused; frame sources are packetised once."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import aioice.stun
import pytest
from aiortc import RTCPeerConnection
from aiortc.rtp import RtcpSrPacket, RtpPacket

from media.frames import H264, VP8, EncodedFrame, MediaCodec
from media.router import Router
from media.rtp import unix_time
from tests.media.fixtures import (
    FPS,
    VIDEO_RATE,
    PacketTrack,
    Subscriber,
    connect_publisher,
    encoded_opus,
    encoded_video,
    frame_digest,
    video_session,
)


async def _wait_until(predicate: Callable[[], bool], limit: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.05)


def _spy_sent(pc: RTCPeerConnection) -> list[RtpPacket]:
    """Every RTP packet a client PC sends, before SRTP (test side only)."""
    sent: list[RtpPacket] = []
    transport = pc.getTransceivers()[0].sender.transport
    original = transport._send_rtp

    async def send_rtp(data: bytes) -> None:
        if not 192 <= data[1] <= 223:  # not RTCP
            sent.append(RtpPacket.parse(data))
        await original(data)

    transport._send_rtp = send_rtp
    return sent


def _spy_received(
    pc: RTCPeerConnection, drop: Callable[[RtpPacket], bool] | None = None
) -> tuple[list[tuple[float, RtpPacket]], list[tuple[float, RtcpSrPacket]]]:
    """Every RTP packet and sender report a client PC's receivers get (after
    SRTP); `drop` loses packets on purpose before the receiver sees them."""
    rtp: list[tuple[float, RtpPacket]] = []
    reports: list[tuple[float, RtcpSrPacket]] = []
    for transceiver in pc.getTransceivers():
        receiver = transceiver.receiver
        on_rtp, on_rtcp = receiver._handle_rtp_packet, receiver._handle_rtcp_packet

        async def handle_rtp(packet: RtpPacket, arrival_time_ms: int, on_rtp: Any = on_rtp) -> None:
            if drop is not None and drop(packet):
                return
            rtp.append((time.time(), packet))
            await on_rtp(packet, arrival_time_ms)

        async def handle_rtcp(packet: Any, on_rtcp: Any = on_rtcp) -> None:
            if isinstance(packet, RtcpSrPacket):
                reports.append((time.time(), packet))
            await on_rtcp(packet)

        receiver._handle_rtp_packet = handle_rtp
        receiver._handle_rtcp_packet = handle_rtcp
    return rtp, reports


async def test_subscribers_get_the_publishers_rtp_payloads_byte_for_byte() -> None:
    router = Router()
    video = PacketTrack("video", encoded_video("libvpx"))
    publisher = await connect_publisher(router.create_peer_transport(), [video])
    sent = _spy_sent(publisher)
    subscribers = []
    for _ in range(2):
        transport = router.create_peer_transport()
        consumer = transport.consume(router.producers[0])
        sub = Subscriber(transport)
        await sub.negotiate()
        subscribers.append((sub, consumer, _spy_received(sub.pc)[0]))
    try:
        for sub, consumer, _ in subscribers:
            await sub.first_frame(sub.transport.consumer_mid(consumer.id) or "")
        await _wait_until(lambda: all(len(got) > 150 for _, _, got in subscribers))
        media_ssrc = sent[-1].ssrc
        by_payload = [p.payload for p in sent if p.ssrc == media_ssrc]
        ssrcs = set()
        for _, _, got in subscribers:
            payloads = [p.payload for _, p in got]
            start = by_payload.index(payloads[0])
            # a contiguous, in-order, byte-identical run of the publisher's packets
            assert payloads == by_payload[start : start + len(payloads)]
            seqs = [p.sequence_number for _, p in got]
            assert all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(seqs))
            assert len({p.ssrc for _, p in got}) == 1
            ssrcs |= {p.ssrc for _, p in got}
            assert got[0][1].payload[0] & 0x10, "starts at a frame start (keyframe)"
        assert len(ssrcs) == 2 and media_ssrc not in ssrcs, "SSRC rewritten per subscriber"
        assert router.counters.received_frames == 0  # no frame was ever assembled
    finally:
        for sub, _, _ in subscribers:
            await sub.close()
        await publisher.close()
        await router.close()


async def test_publisher_rtp_goes_from_the_socket_to_the_producer_in_one_call() -> None:
    """No packet of a connected publisher takes aiortc's queue and coroutines
    (media/_aiortc_receive.py): its RTP reaches the producer all the same."""
    router = Router()
    transport = router.create_peer_transport()
    publisher = await connect_publisher(transport, [PacketTrack("video", encoded_video("libvpx"))])
    dtls = transport._publish_pc.getTransceivers()[0].receiver.transport
    queued = 0
    original = dtls._handle_rtp_data

    async def handle_rtp_data(data: bytes, arrival_time_ms: int) -> None:
        nonlocal queued
        queued += 1
        await original(data, arrival_time_ms)

    dtls._handle_rtp_data = handle_rtp_data
    tried_as_stun = 0
    parse_message = aioice.stun.parse_message

    def parse_stun(data: bytes) -> Any:
        nonlocal tried_as_stun
        tried_as_stun += 127 < data[0] < 192 and not 191 < data[1] < 209  # RTP: the hub's
        return parse_message(data)

    try:
        # (the first few may have been queued while DTLS was finishing)
        await _wait_until(lambda: router.counters.received_packets > 20)
        start, queued_before = router.counters.received_packets, queued
        aioice.stun.parse_message = parse_stun
        await _wait_until(lambda: router.counters.received_packets > start + 100)
        assert queued == queued_before
        assert tried_as_stun == 0
        assert dtls._RTCDtlsTransport__rx_packets > 100  # getStats still counts them
    finally:
        aioice.stun.parse_message = parse_message
        await publisher.close()
        await router.close()


async def test_lost_packets_are_repaired_from_the_consumers_history() -> None:
    async with video_session() as session:
        await session.subscriber.first_frame(session.mid)
        stream = session.consumer.stream
        assert stream is not None and stream.params is not None
        media_ssrc = stream.params.ssrc
        dropped: set[tuple[int, int]] = set()

        def lose_every_seventh(packet: RtpPacket) -> bool:
            """Lose each 7th media packet the first time it comes (not its RTX)."""
            if packet.ssrc == media_ssrc and packet.sequence_number % 7 == 0:
                key = (packet.ssrc, packet.sequence_number)
                if key not in dropped:
                    dropped.add(key)
                    return True
            return False

        rtp, _ = _spy_received(session.subscriber.pc, drop=lose_every_seventh)
        frames = session.subscriber.received.frames[session.mid]
        before_sent, before_got = len(session.video.sent), len(frames)
        await _wait_until(lambda: len(session.video.sent) >= before_sent + 90)  # 3 s
        sent = len(session.video.sent) - before_sent
        await _wait_until(lambda: len(frames) - before_got >= sent - 2)
        assert len(dropped) > 20 and stream.retransmitted >= len(dropped) - 5
        assert any(p.ssrc == stream.params.rtx_ssrc for _, p in rtp), "repairs came on RTX"
        # every frame in the window arrived whole and byte-identical
        got = [frame_digest("video/VP8", data) for _, data, _ in frames[before_got:]]
        sent_digests = [frame_digest("video/VP8", d) for d in session.video.sent]
        start = sent_digests.index(got[0])
        assert got == sent_digests[start : start + len(got)]


async def test_sender_reports_map_each_stream_onto_the_wall_clock() -> None:
    router = Router()
    video = PacketTrack("video", encoded_video("libvpx"))
    audio = PacketTrack("audio", encoded_opus())
    publisher = await connect_publisher(router.create_peer_transport(), [video, audio])
    transport = router.create_peer_transport()
    consumers = [transport.consume(p) for p in router.producers]
    sub = Subscriber(transport)
    await sub.negotiate()
    rtp, reports = _spy_received(sub.pc)
    try:
        for consumer in consumers:
            await sub.first_frame(transport.consumer_mid(consumer.id) or "")
        ssrcs = {c.kind: c.stream.params.ssrc for c in consumers}  # type: ignore[union-attr]
        await _wait_until(lambda: {r.ssrc for _, r in reports} >= set(ssrcs.values()))
        await _wait_until(lambda: len(reports) >= 6)
        for kind, ssrc in ssrcs.items():
            clock = VIDEO_RATE if kind == "video" else 48000
            mine = [r for _, r in reports if r.ssrc == ssrc]
            counts = [r.sender_info.packet_count for r in mine]
            assert counts == sorted(counts) and counts[-1] > 0
            # where the report puts each packet in wall-clock time is when it
            # arrived (loopback: within 100 ms)
            report = mine[-1].sender_info
            wall, ts0 = unix_time(report.ntp_timestamp), report.rtp_timestamp
            packets = [(t, p) for t, p in rtp if p.ssrc == ssrc][-50:]
            for arrived, packet in packets:
                delta = ((packet.timestamp - ts0 + 2**31) % 2**32) - 2**31
                assert abs(wall + delta / clock - arrived) < 0.1, (kind, delta)
        # one publisher's audio and video are one media stream for the subscriber
        offer = sub.pc.remoteDescription.sdp
        msids = {line.split()[0] for line in offer.splitlines() if line.startswith("a=msid:")}
        assert len(msids) == 1, msids
    finally:
        await sub.close()
        await publisher.close()
        await router.close()


async def test_subscribe_mlines_are_reused_over_many_joins_and_leaves() -> None:
    router = Router()
    transport = router.create_peer_transport()
    sub = Subscriber(transport)
    lines = []
    try:
        for _ in range(6):  # a participant joins, publishes, leaves, comes back ...
            publisher_transport = router.create_peer_transport()
            tracks = [
                PacketTrack("video", encoded_video("libvpx")),
                PacketTrack("audio", encoded_opus()),
            ]
            publisher = await connect_publisher(publisher_transport, tracks)
            consumers = [transport.consume(p) for p in publisher_transport.producers]
            await sub.negotiate()
            for consumer in consumers:
                mid = transport.consumer_mid(consumer.id) or ""
                count = len(sub.received.frames.get(mid, []))
                await _wait_until(
                    lambda mid=mid, count=count: len(sub.received.frames.get(mid, [])) > count + 5
                )  # type: ignore[misc]
            lines.append(sub.pc.remoteDescription.sdp.count("\nm="))
            await publisher.close()
            await publisher_transport.close()
            await sub.negotiate()  # the m-lines go inactive, to be reused
        assert transport.subscribe_lines == 2
        assert max(lines) == 2, lines
    finally:
        await sub.close()
        await router.close()


@pytest.mark.parametrize(("encoder", "mime"), [("libvpx", VP8), ("libx264", H264)])
async def test_a_frame_source_reaches_webrtc_subscribers_packetised_once(
    encoder: str, mime: str
) -> None:
    """Camera ingest: DirectTransport.produce() + producer.send(EncodedFrame)."""
    router = Router()
    codec = MediaCodec(mime, VIDEO_RATE, None, {"packetization-mode": "1"} if mime == H264 else {})
    producer = router.create_direct_transport().produce(codec)
    frames = encoded_video(encoder)
    subscribers = []
    for _ in range(3):
        transport = router.create_peer_transport()
        consumer = transport.consume(producer)
        sub = Subscriber(transport)
        await sub.negotiate()
        subscribers.append((sub, transport.consumer_mid(consumer.id) or ""))
    recorder = router.create_direct_transport().consume(producer)  # frames as they are
    fed: list[bytes] = []
    stop = asyncio.Event()

    async def camera() -> None:
        start = time.monotonic()
        for i in range(10_000):
            if stop.is_set():
                return
            data = frames[i % len(frames)]
            fed.append(data)
            producer.send(EncodedFrame(data, i * VIDEO_RATE // FPS, codec))
            await asyncio.sleep(max(0, start + (i + 1) / FPS - time.monotonic()))  # pacing

    feeding = asyncio.ensure_future(camera())
    try:
        for sub, mid in subscribers:
            await sub.first_frame(mid)
        await _wait_until(lambda: all(len(s.received.frames[m]) >= 40 for s, m in subscribers))
        sent = [frame_digest(mime, d) for d in fed]
        for sub, mid in subscribers:
            got = [frame_digest(mime, data) for _, data, _ in sub.received.frames[mid]]
            start = sent.index(got[0])
            assert got == sent[start : start + len(got)]
        assert (await recorder.recv_frame()).keyframe
        assert producer._packetizer is not None  # one, shared by the three subscribers
    finally:
        stop.set()
        await feeding
        for sub, _ in subscribers:
            await sub.close()
        await router.close()


async def test_a_late_subscriber_starts_from_the_kept_gop_not_the_next_keyframe() -> None:
    """A camera can't be asked for a keyframe: a browser joining mid-GOP gets the
    kept GOP (Producer.keep_gop) as packets, then the live frames without a gap."""
    router = Router()
    codec = MediaCodec(H264, VIDEO_RATE, None, {"packetization-mode": "1"})
    producer = router.create_direct_transport().produce(codec)
    producer.keep_gop()
    frames = encoded_video("libx264")
    assert frames[0] and EncodedFrame(frames[0], 0, codec).keyframe
    assert not any(EncodedFrame(f, 0, codec).keyframe for f in frames[1:FPS])
    for i in range(10):  # a keyframe and 9 deltas before anyone watches
        producer.send(EncodedFrame(frames[i], i * VIDEO_RATE // FPS, codec))
    transport = router.create_peer_transport()
    consumer = transport.consume(producer)
    sub = Subscriber(transport)
    try:
        await sub.negotiate()
        mid = transport.consumer_mid(consumer.id) or ""
        await _wait_until(lambda: consumer.stream is not None and consumer.stream.ready)
        for i in range(10, 15):  # still the same GOP: the next keyframe is at FPS
            producer.send(EncodedFrame(frames[i], i * VIDEO_RATE // FPS, codec))
            await asyncio.sleep(1 / FPS)
        await sub.first_frame(mid)
        # (the receiver's jitter buffer hands a frame over when the next one begins)
        await _wait_until(lambda: len(sub.received.frames[mid]) >= 14)
        assert consumer.primed_frames == 10  # the GOP before the first live frame
        got = [frame_digest(H264, data) for _, data, _ in sub.received.frames[mid]]
        assert got[:14] == [frame_digest(H264, f) for f in frames[:14]]
    finally:
        await sub.close()
        await router.close()
