"""OutboundStream's rewritten headers read back by aiortc's parser (what a
subscriber's browser sees): our SSRC, sequence numbers and timestamps, and the
header extensions the subscriber negotiated, with fresh per-packet values."""

from __future__ import annotations

import gc
import time

import pytest
from aiortc.rtp import RtpPacket

from media.rtp_stream import HISTORY, OutboundStream, SendParameters
from tests.media.fixtures import extension_map  # (mid 1, abs-send-time 3, level 4)


def _stream(kind: str, **negotiated: int | bool | None) -> tuple[OutboundStream, list[bytes]]:
    sent: list[bytes] = []
    stream = OutboundStream(kind, lambda s: None)
    params = SendParameters(
        ssrc=0xCAFE,
        rtx_ssrc=0xBEEF,
        payload_type=111 if kind == "audio" else 96,
        rtx_payload_type=None,
        clock_rate=48000 if kind == "audio" else 90000,
        cname="hub",
        mid="3",
        **negotiated,  # type: ignore[arg-type]
    )
    stream.started(params, sent.append, lambda data: None)
    return stream, sent


def _publisher_packet(seq: int, level: tuple[bool, int] | None = None) -> RtpPacket:
    packet = RtpPacket(payload_type=100, sequence_number=seq, timestamp=5000 + seq, ssrc=7)
    packet.payload = bytes(range(seq % 50, seq % 50 + 100))
    packet.marker = seq % 2
    packet.extensions.audio_level = level
    return packet


@pytest.mark.parametrize(
    ("kind", "negotiated", "level"),
    [
        ("video", {"ext_mid": 1, "ext_abs_send_time": 3}, None),
        ("audio", {"ext_mid": 1, "ext_abs_send_time": 3, "ext_audio_level": 4}, (True, 42)),
        ("audio", {"ext_mid": 1, "ext_audio_level": 4}, (False, 127)),
        ("audio", {"ext_abs_send_time": 3}, (True, 3)),
        ("video", {}, None),
    ],
)
def test_rewritten_headers_carry_the_negotiated_extensions(
    kind: str, negotiated: dict[str, int], level: tuple[bool, int] | None
) -> None:
    stream, sent = _stream(kind, **negotiated)
    first = _publisher_packet(10, level)
    stream.restart(first)
    for seq in (10, 11, 12):
        assert stream.send(_publisher_packet(seq, level))
    before = time.time()
    out = [RtpPacket.parse(data, extension_map()) for data in sent]
    assert [p.ssrc for p in out] == [0xCAFE] * 3
    assert [(p.sequence_number - out[0].sequence_number) & 0xFFFF for p in out] == [0, 1, 2]
    assert [(p.timestamp - out[0].timestamp) & 0xFFFFFFFF for p in out] == [0, 1, 2]
    assert [p.payload for p in out] == [_publisher_packet(s).payload for s in (10, 11, 12)]
    assert [p.marker for p in out] == [0, 1, 0]
    for packet in out:
        assert packet.payload_type == (111 if kind == "audio" else 96)
        ext = packet.extensions
        assert ext.mid == ("3" if "ext_mid" in negotiated else None)
        assert ext.audio_level == (level if "ext_audio_level" in negotiated else None)
        if "ext_abs_send_time" in negotiated:
            now = int(before * (1 << 18)) & 0xFFFFFF
            assert ext.abs_send_time is not None
            assert (now - ext.abs_send_time) & 0xFFFFFF < 1 << 18  # within a second
        else:
            assert ext.abs_send_time is None


def test_padding_only_packets_keep_their_padding() -> None:
    stream, sent = _stream("video", ext_mid=1, ext_abs_send_time=3)
    probe = _publisher_packet(20)
    probe.payload, probe.padding_size = b"", 200
    stream.restart(probe)
    assert stream.send(probe)
    (packet,) = [RtpPacket.parse(data, extension_map()) for data in sent]
    assert packet.padding_size == 200 and packet.payload == b""
    assert packet.extensions.mid == "3"


def test_the_retransmission_history_leaves_nothing_for_the_garbage_collector() -> None:
    """The history keeps the last 1,024 packets of every video stream (with 20
    rooms, ~120,000 packets, replaced at ~4,000 a second): if they were objects
    the cyclic garbage collector tracks, they would fill its oldest generation
    and make it walk the whole heap every few seconds, stalling every room."""
    stream, sent = _stream("video", ext_mid=1, ext_abs_send_time=3, nack=True)
    stream.restart(_publisher_packet(0))
    gc.collect()
    tracked = len(gc.get_objects())
    for seq in range(HISTORY):
        assert stream.send(_publisher_packet(seq))
    gc.collect()
    grown = len(gc.get_objects()) - tracked
    packets = sum(type(o) is RtpPacket for o in gc.get_objects())
    assert (grown < 50, packets) == (True, 0), f"{grown} more tracked objects, {packets} packets"

    # and what it keeps still repairs a loss exactly
    lost = RtpPacket.parse(sent[501], extension_map())  # (an odd one: marker set)
    probe = _publisher_packet(HISTORY)
    probe.payload, probe.padding_size = b"", 200
    assert stream.send(probe)
    padding_only = RtpPacket.parse(sent[-1], extension_map()).sequence_number
    sent.clear()
    stream.nack([lost.sequence_number, padding_only])
    (again,) = [RtpPacket.parse(data, extension_map()) for data in sent]  # (no probe repeats)
    assert (again.ssrc, again.sequence_number, again.timestamp) == (
        lost.ssrc,
        lost.sequence_number,
        lost.timestamp,
    )
    assert (again.marker, again.payload_type, again.payload) == (1, 96, lost.payload)
    assert again.extensions.mid == "3"
