"""Annex B helpers: parameter sets in front of IDRs, from extradata or in band."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from media.h264 import (
    ParameterSets,
    join_nal_units,
    nal_type,
    parameter_sets_from_extradata,
    profile_level_id,
    split_nal_units,
)
from tests.media.fixtures import encoded_video

SPS = b"\x67\x42\xc0\x1e\xda\x02\x80"
PPS = b"\x68\xce\x3c\x80"
IDR = b"\x65\x88\x84\x00\x10"
P = b"\x41\x9a\x02"
AUD = b"\x09\x10"


def types(data: bytes) -> list[int]:
    return [nal_type(u) for u in split_nal_units(data)]


def test_split_handles_3_and_4_byte_start_codes() -> None:
    data = b"\x00\x00\x00\x01" + SPS + b"\x00\x00\x01" + PPS + b"\x00\x00\x00\x01" + IDR
    assert split_nal_units(data) == [SPS, PPS, IDR]
    assert split_nal_units(b"junk" + data) == [SPS, PPS, IDR]


def test_extradata_annex_b_and_avcc() -> None:
    annex_b = join_nal_units([SPS, PPS])
    avcc = (
        b"\x01\x42\xc0\x1e\xff\xe1" + len(SPS).to_bytes(2, "big") + SPS
        + b"\x01" + len(PPS).to_bytes(2, "big") + PPS
    )  # fmt: skip
    assert parameter_sets_from_extradata(annex_b) == [SPS, PPS]
    assert parameter_sets_from_extradata(avcc) == [SPS, PPS]
    assert parameter_sets_from_extradata(None) == []
    assert profile_level_id(SPS) == "42c01e"


def test_idr_gets_parameter_sets_from_extradata_once() -> None:
    params = ParameterSets(join_nal_units([SPS, PPS]))
    data, key = params.prepare(join_nal_units([AUD, IDR]))
    assert key and types(data) == [7, 8, 5]
    data, key = params.prepare(join_nal_units([AUD, SPS, PPS, SPS, PPS, IDR]))
    assert key and types(data) == [7, 8, 5]
    data, key = params.prepare(join_nal_units([AUD, P]))
    assert not key and types(data) == [1]


def test_idr_without_any_parameter_sets_is_not_a_keyframe() -> None:
    params = ParameterSets()
    data, key = params.prepare(join_nal_units([IDR]))
    assert not key and types(data) == [5]
    params.prepare(join_nal_units([SPS, PPS]))  # learned from a header-only unit
    data, key = params.prepare(join_nal_units([IDR]))
    assert key and types(data) == [7, 8, 5]
    assert params.prepare(join_nal_units([SPS, PPS])) == (b"", False)


def test_real_encoder_output_keeps_every_slice() -> None:
    frames = encoded_video("libx264", count=31)
    params = ParameterSets()
    for raw in frames:
        data, key = params.prepare(raw)
        slices = [u for u in split_nal_units(raw) if 1 <= nal_type(u) <= 5]
        assert [u for u in split_nal_units(data) if 1 <= nal_type(u) <= 5] == slices
        if 5 in types(raw):
            assert key and types(data)[:2] == [7, 8]


@given(st.binary(max_size=300))
def test_garbage_never_raises(data: bytes) -> None:
    params = ParameterSets(data)
    out, key = params.prepare(data)
    assert isinstance(out, bytes) and isinstance(key, bool)
