"""PS over RTP ingest, fed by FFmpeg's mpeg muxer cut into RTP (UDP and TCP)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator

import pytest

from media.camera_source import CameraState, SourceError
from media.ps_rtp import ReorderBuffer, RtpPacket, RtpStats
from media.ps_rtp_source import PsRtpOptions, PsRtpSource, StreamOffer
from media.router import Router
from media.transport import DirectTransport
from tests.media.camera_helpers import (
    StateLog,
    assert_keyframes_carry_parameter_sets,
    decode_h264,
    receive,
)
from tests.simulators.ps import SenderSignaller


@pytest.fixture
async def transport() -> AsyncIterator[DirectTransport]:
    router = Router()
    yield router.create_direct_transport()
    await router.close()


@pytest.fixture
def signallers() -> Iterator[list[SenderSignaller]]:
    made: list[SenderSignaller] = []
    yield made
    for signaller in made:
        signaller.close()


def options(transport: str, **kw: object) -> PsRtpOptions:
    opts = PsRtpOptions(
        transport=transport, stall_timeout_s=1.0, backoff_initial_s=0.2, backoff_max_s=0.5
    )
    for key, value in kw.items():
        setattr(opts, key, value)
    return opts


@pytest.mark.parametrize("rtp_transport", ["udp", "tcp"])
async def test_frames_as_sent_then_a_fresh_request_after_the_stream_stops(
    transport: DirectTransport, signallers: list[SenderSignaller], rtp_transport: str
) -> None:
    signaller = SenderSignaller(frames=50, fps=25, gop=25)
    signallers.append(signaller)
    source = PsRtpSource(signaller, transport, options=options(rtp_transport),
                         app_data={"channel": "34020000001320000001"})  # fmt: skip
    log = StateLog(source)
    new_producer = asyncio.Event()
    source.observer.on("newproducer", lambda _: new_producer.set())
    watch = source.watch()
    await asyncio.wait_for(new_producer.wait(), 15)
    assert watch.producer is not None
    assert watch.producer.app_data["channel"] == "34020000001320000001"
    consumer = transport.consume(watch.producer)
    # the 50th access unit is complete only when a 51st would start
    frames = await receive(consumer, 49)
    assert signaller.offers[0] == StreamOffer("127.0.0.1", signaller.offers[0].port, rtp_transport)
    assert_keyframes_carry_parameter_sets(frames)
    assert sum(f.keyframe for f in frames) == 2
    steps = {b.timestamp - a.timestamp for a, b in itertools.pairwise(frames)}
    assert steps == {3600}
    assert len(decode_h264(frames)) == 49
    assert source.rtp_stats.lost == 0 and source.rtp_stats.wrong_ssrc == 0
    # the sender is done: the stream stalls, the session ends with a stop, and a
    # new request goes out (a re-INVITE in GB/T 28181 terms)
    await log.wait_for(CameraState.OFFLINE, limit=10)
    await log.wait_for(CameraState.ONLINE, limit=15)
    assert len(signaller.offers) >= 2 and signaller.stops >= 1
    more = await receive(consumer, 10)
    assert more[0].keyframe and more[0].timestamp > frames[-1].timestamp
    watch.close()
    await log.wait_for(CameraState.IDLE)
    assert signaller.stops == len(signaller.offers), "every request was stopped"
    await source.close()


async def test_loss_reordering_and_foreign_ssrc_over_udp(
    transport: DirectTransport, signallers: list[SenderSignaller]
) -> None:
    signaller = SenderSignaller(frames=125, gop=25, drop=97, swap=7, wrong_ssrc=11)
    signallers.append(signaller)
    source = PsRtpSource(signaller, transport, options=options("udp", stall_timeout_s=2.0))
    log = StateLog(source)
    watch = source.watch()
    await log.wait_for(CameraState.ONLINE, limit=15)
    assert watch.producer is not None
    consumer = transport.consume(watch.producer)
    frames = await receive(consumer, 30)
    # the sender's 125 frames, up to the stall that ends its session (a second
    # session follows with a new sender: not part of this count)
    offline = asyncio.ensure_future(log.wait_for(CameraState.OFFLINE))
    while not offline.done() or consumer.queued:
        getter = asyncio.ensure_future(consumer.recv_frame())
        await asyncio.wait({getter, offline}, return_when=asyncio.FIRST_COMPLETED)
        if getter.done():
            frames.append(getter.result())
        else:
            getter.cancel()
            while consumer.queued:
                frames.append(await consumer.recv_frame())
            break
    stats = source.rtp_totals()
    assert stats.lost > 0 and stats.reordered > 0 and stats.wrong_ssrc > 0, stats
    assert signaller.keyframe_requests >= 1, "a loss asks the camera for a keyframe"
    assert source.stats.waited_for_keyframe > 0, "frames after a loss wait for a keyframe"
    # every run of frames forwarded starts at a keyframe, so all of it decodes
    assert len(decode_h264(frames)) == len(frames) < 125
    await source.close()


async def test_h265_channel_is_unsupported_and_the_stream_is_stopped(
    transport: DirectTransport, signallers: list[SenderSignaller]
) -> None:
    signaller = SenderSignaller(frames=50, codec="h265")
    signallers.append(signaller)
    source = PsRtpSource(signaller, transport, options=options("udp"))
    log = StateLog(source)
    source.watch()
    change = await log.wait_for(CameraState.UNSUPPORTED_CODEC, limit=15)
    assert "hevc" in change.detail and source.producer is None
    assert signaller.stops == 1 and not source.pulling
    await source.close()


class RefusingSignaller:
    def __init__(self, error: SourceError | None) -> None:
        self.error = error
        self.stops = 0

    async def start_stream(self, offer: StreamOffer) -> int | None:
        if self.error is not None:
            raise self.error
        await asyncio.Event().wait()  # never answers
        return None

    async def stop_stream(self) -> None:
        self.stops += 1

    def request_keyframe(self) -> None:
        pass


async def test_refused_and_unanswered_requests_end_in_a_state(
    transport: DirectTransport,
) -> None:
    refusing = RefusingSignaller(SourceError(CameraState.NOT_FOUND, "404 channel not found"))
    source = PsRtpSource(refusing, transport, options=options("udp"))
    log = StateLog(source)
    source.watch()
    change = await log.wait_for(CameraState.NOT_FOUND)
    assert change.detail == "404 channel not found" and not source.pulling
    await source.close()

    silent = RefusingSignaller(None)
    source = PsRtpSource(silent, transport, options=options("udp", signal_timeout_s=0.5))
    log = StateLog(source)
    source.watch()
    change = await log.wait_for(CameraState.UNREACHABLE, limit=5)
    assert "no answer" in change.detail and source.pulling
    await source.close()
    assert silent.stops >= 1


def test_rtp_parsing_refuses_what_is_not_rtp() -> None:
    packet = bytes([0x90, 0xE0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0xBE, 0xDE, 0, 1, 1, 2, 3, 4, 9])
    rtp = RtpPacket.parse(packet)
    assert (rtp.marker, rtp.payload_type, rtp.sequence, rtp.ssrc) == (True, 96, 1, 3)
    assert rtp.payload == b"\x09"
    for bad in (
        b"",
        b"\x40" + bytes(11),
        bytes([0x80 | 0x0F]) + bytes(11),
        b"\xa0" + bytes(10) + b"\xff",
    ):
        with pytest.raises(ValueError):
            RtpPacket.parse(bad)


def test_reorder_buffer_waits_for_gaps_then_gives_up() -> None:
    stats = RtpStats()
    buf = ReorderBuffer(stats, window=4, hold_s=0.1)
    assert buf.push(65534, b"a", 0.0) == [b"a"]
    assert buf.push(0, b"c", 0.01) == []  # 65535 missing: wait
    assert buf.push(65535, b"b", 0.02) == [b"b", b"c"]  # in time, across the wrap
    assert buf.push(65535, b"b", 0.03) == []  # duplicate
    assert buf.push(2, b"e", 0.04) == []
    assert buf.push(3, b"f", 0.2) == [None, b"e", b"f"]  # 1 never came: a loss
    assert (stats.lost, stats.late, stats.reordered) == (1, 1, 1)
    assert buf.push(40000, b"x", 0.3) == [None, b"x"]  # the sender restarted
