"""H.265 access units: random access pictures get VPS/SPS/PPS in front, others lose them."""

from __future__ import annotations

from media.frames import H265, is_keyframe
from media.h264 import split_nal_units
from media.h265 import HevcParameterSets, hevc_nal_type

VPS = b"\x40\x01\x0c\x01"
SPS = b"\x42\x01\x01\x01"
PPS = b"\x44\x01\xc1\x72"
CRA = b"\x2a\x01\xaf\x09"  # type 21
IDR = b"\x26\x01\xaf\x09"  # type 19
TRAIL = b"\x02\x01\xd0\x08"  # type 1
AUD = b"\x46\x01\x50"  # type 35


def annexb(*units: bytes) -> bytes:
    return b"".join(b"\x00\x00\x00\x01" + u for u in units)


def types(data: bytes) -> list[int]:
    return [hevc_nal_type(u) for u in split_nal_units(data)]


def test_parameter_sets_from_extradata_go_in_front_of_random_access_pictures() -> None:
    params = HevcParameterSets(annexb(VPS, SPS, PPS))
    assert params.complete
    out, key = params.prepare(annexb(AUD, CRA))
    assert key and types(out) == [32, 33, 34, 21]
    out, key = params.prepare(annexb(TRAIL))
    assert not key and types(out) == [1]
    assert params.prepare(annexb(VPS, SPS, PPS)) == (b"", False)  # no picture
    assert is_keyframe(H265, annexb(IDR)) and not is_keyframe(H265, annexb(TRAIL))


def test_without_parameter_sets_nothing_is_a_keyframe_until_they_come_in_band() -> None:
    params = HevcParameterSets(None)
    out, key = params.prepare(annexb(IDR))
    assert not key and types(out) == [19]
    new_sps = b"\x42\x01\x01\x02"
    out, key = params.prepare(annexb(VPS, new_sps, PPS, IDR))
    assert key and split_nal_units(out)[1] == new_sps and types(out) == [32, 33, 34, 19]
    out, key = params.prepare(annexb(SPS, TRAIL))  # a non-IRAP loses its SPS (learned)
    assert types(out) == [1] and params.units[33] == SPS
