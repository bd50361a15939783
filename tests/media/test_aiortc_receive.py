"""The direct receive path's parser reads what aiortc's reads: every field of
every packet shape a publisher sends, the rare shapes by aiortc itself, and a
malformed packet is refused the same way."""

from __future__ import annotations

import random

import aiortc
import pytest
from aiortc.rtp import RtpPacket

from media import _aiortc_receive as direct
from tests.media.fixtures import extension_map

FIELDS = ("version", "marker", "payload_type", "sequence_number", "timestamp", "ssrc", "csrc")
EXTENSIONS = (
    "mid",
    "rtp_stream_id",
    "repaired_rtp_stream_id",
    "abs_send_time",
    "audio_level",
    "transport_sequence_number",
)


def same(a: RtpPacket, b: RtpPacket) -> None:
    for name in FIELDS:
        assert getattr(a, name) == getattr(b, name), name
    for name in EXTENSIONS:
        assert getattr(a.extensions, name) == getattr(b.extensions, name), name
    assert (a.payload, a.padding_size) == (b.payload, b.padding_size)


def test_every_shape_reads_as_aiortc_reads_it() -> None:
    rng = random.Random(7)
    extensions = extension_map()
    for n in range(2000):
        packet = RtpPacket(
            payload_type=rng.choice([96, 97, 111, 127]),
            marker=rng.randrange(2),
            sequence_number=rng.randrange(0x10000),
            timestamp=rng.getrandbits(32),
            ssrc=rng.getrandbits(32),
            payload=rng.randbytes(rng.randrange(0, 1200)),
        )
        ext = packet.extensions
        ext.mid = rng.choice([None, "0", "12"])
        ext.rtp_stream_id = rng.choice([None, "f", "h", "q"])
        ext.repaired_rtp_stream_id = rng.choice([None, "l"])
        ext.abs_send_time = rng.choice([None, rng.getrandbits(24)])
        ext.audio_level = rng.choice([None, (True, rng.randrange(128)), (False, 3)])
        ext.transport_sequence_number = rng.choice([None, rng.randrange(0x10000)])
        if n % 7 == 0:
            packet.csrc = [rng.getrandbits(32)]  # (aiortc's parser)
        if n % 5 == 0:
            packet.padding_size = rng.randrange(1, 40)
        data = packet.serialize(extensions)
        same(direct.parse_rtp(data, extensions), RtpPacket.parse(data, extensions))


@pytest.mark.parametrize(
    "data",
    [
        b"\x90\x60\x00\x01" + b"\x00" * 8,  # extension bit, no extension
        b"\x90\x60\x00\x01" + b"\x00" * 8 + b"\xbe\xde\x00\x02" + b"\x10",  # cut short
        b"\x90\x60\x00\x01" + b"\x00" * 8 + b"\xbe\xde\x00\x01" + b"\x1f\x00\x00\x00",  # overlong
        b"\xa0\x60\x00\x01" + b"\x00" * 8 + b"ab\x09",  # padding longer than the packet
        b"\xa0\x60\x00\x01" + b"\x00" * 8 + b"ab\x00",  # zero padding
        b"\x40\x60\x00\x01" + b"\x00" * 8,  # version 1
        b"\x80\x60\x00",  # short
    ],
)
def test_a_malformed_packet_is_refused(data: bytes) -> None:
    extensions = extension_map()
    with pytest.raises(ValueError):
        direct.parse_rtp(data, extensions)


async def test_the_direct_receive_path_still_finds_its_internals() -> None:
    pc = aiortc.RTCPeerConnection()
    try:
        transport = pc.addTransceiver("video", direction="recvonly").receiver.transport
        direct.check(transport)
        direct.receive_directly(transport)
        direct.receive_directly(transport)  # idempotent
    finally:
        await pc.close()
