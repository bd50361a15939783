"""RTP and RTCP on the wire, the little we need to forward packets: where a
decoder can start, header extensions, sender reports. Pure functions."""

from __future__ import annotations

import struct
from typing import Any, Protocol

NTP_UNIX_OFFSET_S = 2208988800  # 1900-01-01 to 1970-01-01
_SR = struct.Struct("!BBHIQIII")

# Header extension URIs we write (RFC 8285 one-byte form).
EXT_MID = "urn:ietf:params:rtp-hdrext:sdes:mid"
EXT_ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
EXT_AUDIO_LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"


class RtpPacketLike(Protocol):
    """What media/ reads of a received RTP packet (aiortc's RtpPacket has it;
    tests/media/test_aiortc_taps.py checks)."""

    ssrc: int
    sequence_number: int
    timestamp: int
    payload_type: int
    marker: int
    payload: bytes
    padding_size: int
    extensions: Any  # .audio_level, .rtp_stream_id, .repaired_rtp_stream_id


def seq_newer(a: int, b: int) -> bool:
    """16-bit serial arithmetic: a is after b."""
    return a != b and ((a - b) & 0xFFFF) < 0x8000


def vp8_keyframe_start(payload: bytes) -> bool:
    """The first packet of a VP8 key frame (RFC 7741: S=1, PID=0, P=0)."""
    n = len(payload)
    if n < 2:
        return False
    first = payload[0]
    if not first & 0x10 or first & 0x07:  # S, PID
        return False
    pos = 1
    if first & 0x80:  # X: extension byte
        ext = payload[1]
        pos = 2
        if ext & 0x80:  # I: picture id
            if pos >= n:
                return False
            pos += 2 if payload[pos] & 0x80 else 1
        if ext & 0x40:  # L: TL0PICIDX
            pos += 1
        if ext & 0x30:  # T or K
            pos += 1
    return pos < n and not payload[pos] & 0x01


def h264_keyframe_start(payload: bytes) -> bool:
    """A packet a decoder can start from: it carries an SPS (browsers send SPS
    and PPS just before each IDR), or begins an IDR picture."""
    if not payload:
        return False
    nal = payload[0] & 0x1F
    if nal in (5, 7):
        return True
    if nal == 24:  # STAP-A: (size, NAL unit)*
        pos, n = 1, len(payload)
        while pos + 2 < n:
            size = (payload[pos] << 8) | payload[pos + 1]
            if payload[pos + 2] & 0x1F in (5, 7):
                return True
            pos += 2 + size
        return False
    if nal == 28 and len(payload) > 1:  # FU-A: start of an IDR slice
        return bool(payload[1] & 0x80) and payload[1] & 0x1F == 5
    return False


def keyframe_start(mime: str, payload: bytes) -> bool:
    """`mime` lower-case. Audio packets always are."""
    if mime == "video/vp8":
        return vp8_keyframe_start(payload)
    if mime == "video/h264":
        return h264_keyframe_start(payload)
    return True


def ntp_time(unix_s: float) -> int:
    """64-bit NTP timestamp of a Unix time."""
    return int((unix_s + NTP_UNIX_OFFSET_S) * (1 << 32)) & 0xFFFFFFFFFFFFFFFF


def unix_time(ntp: int) -> float:
    return (ntp >> 32) - NTP_UNIX_OFFSET_S + (ntp & 0xFFFFFFFF) / 2**32


def sender_report(ssrc: int, ntp: int, rtp_timestamp: int, packets: int, octets: int) -> bytes:
    return _SR.pack(
        0x80,
        200,
        6,
        ssrc,
        ntp,
        rtp_timestamp & 0xFFFFFFFF,
        packets & 0xFFFFFFFF,
        octets & 0xFFFFFFFF,
    )


def sdes_cname(ssrc: int, cname: str) -> bytes:
    text = cname.encode()[:255]
    chunk = struct.pack("!IBB", ssrc, 1, len(text)) + text + b"\x00"
    chunk += b"\x00" * (-len(chunk) % 4)
    return struct.pack("!BBH", 0x81, 202, len(chunk) // 4) + chunk


def one_byte_extensions(elements: list[tuple[int, bytes]]) -> bytes:
    """An RFC 8285 one-byte header extension block (with its 0xBEDE header)."""
    body = b"".join(bytes([(ext_id << 4) | (len(value) - 1)]) + value for ext_id, value in elements)
    body += b"\x00" * (-len(body) % 4)
    return struct.pack("!HH", 0xBEDE, len(body) // 4) + body
