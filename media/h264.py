"""H.264 Annex B helpers for camera ingest: NAL units, parameter sets, profile ids.

Cameras send SPS/PPS out of band (RTSP `sprop-parameter-sets`, which FFmpeg hands
over as extradata) or in band before each IDR, or only once at the start of the
stream. A browser that starts mid-stream needs them in front of the IDR it starts
from: `ParameterSets.prepare()` puts the latest known SPS/PPS there. Pure byte
slicing, no decoding.
"""

from __future__ import annotations

NAL_SLICE = 1
NAL_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9

START_CODE = b"\x00\x00\x00\x01"


def split_nal_units(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream, without start codes (3 or 4 bytes).
    Bytes before the first start code are ignored; empty units are dropped."""
    units: list[bytes] = []
    i = data.find(b"\x00\x00\x01")
    while i != -1:
        start = i + 3
        j = data.find(b"\x00\x00\x01", start)
        end = len(data) if j == -1 else j
        unit = data[start:end]
        if j != -1:
            # a 4-byte start code (or trailing_zero_8bits) leaves zeros behind
            unit = unit.rstrip(b"\x00")
        if unit:
            units.append(unit)
        i = j
    return units


def nal_type(unit: bytes) -> int:
    return unit[0] & 0x1F if unit else -1


def join_nal_units(units: list[bytes]) -> bytes:
    return b"".join(START_CODE + unit for unit in units)


def parameter_sets_from_extradata(extradata: bytes | None) -> list[bytes]:
    """SPS and PPS units from a decoder configuration: Annex B (RTSP's sprop, as
    FFmpeg gives it) or an avcC record (MP4 style, first byte 1)."""
    if not extradata:
        return []
    if extradata[0] == 1 and len(extradata) >= 7:
        return _avcc_parameter_sets(extradata)
    return [u for u in split_nal_units(extradata) if nal_type(u) in (NAL_SPS, NAL_PPS)]


def _avcc_parameter_sets(data: bytes) -> list[bytes]:
    units: list[bytes] = []
    pos = 5
    try:
        for count_mask in (0x1F, 0xFF):
            count = data[pos] & count_mask
            pos += 1
            for _ in range(count):
                size = int.from_bytes(data[pos : pos + 2], "big")
                pos += 2
                unit = data[pos : pos + size]
                if len(unit) != size:
                    return units
                units.append(unit)
                pos += size
    except IndexError:
        pass
    return units


def profile_level_id(sps: bytes) -> str | None:
    """The SDP profile-level-id (profile_idc, constraint flags, level_idc) of an SPS."""
    if len(sps) < 4 or nal_type(sps) != NAL_SPS:
        return None
    return sps[1:4].hex()


class ParameterSets:
    """The latest SPS/PPS seen (from extradata or in band), put in front of IDRs."""

    __slots__ = ("pps", "sps")

    def __init__(self, extradata: bytes | None = None) -> None:
        self.sps: bytes | None = None
        self.pps: bytes | None = None
        self.learn(parameter_sets_from_extradata(extradata))

    def learn(self, units: list[bytes]) -> None:
        for unit in units:
            kind = nal_type(unit)
            if kind == NAL_SPS:
                self.sps = unit
            elif kind == NAL_PPS:
                self.pps = unit

    @property
    def complete(self) -> bool:
        return self.sps is not None and self.pps is not None

    def prepare(self, access_unit: bytes) -> tuple[bytes, bool]:
        """(access unit to forward, is_keyframe). An IDR starts with SPS and PPS,
        each once: its own if it carries them, else the latest known; an IDR with
        none known is not a keyframe. Non-IDR access units lose their SPS/PPS
        (learned for the next IDR) and access unit delimiters are dropped. An
        access unit with no slice (only SPS/PPS/SEI) returns b""."""
        units = split_nal_units(access_unit)
        types = [nal_type(u) for u in units]
        self.learn([u for u, t in zip(units, types, strict=True) if t in (NAL_SPS, NAL_PPS)])
        has_slice = any(1 <= t <= NAL_IDR for t in types)
        if not has_slice:
            return b"", False
        # an IDR is a starting point only if a decoder can have SPS/PPS with it
        keyframe = NAL_IDR in types and self.complete
        rest = [
            u for u, t in zip(units, types, strict=True) if t not in (NAL_AUD, NAL_SPS, NAL_PPS)
        ]
        if not keyframe:
            return join_nal_units(rest), False
        # SPS/PPS once each, first: the stream's own (duplicates dropped) or the latest known
        in_band = list(dict.fromkeys(u for u in units if nal_type(u) in (NAL_SPS, NAL_PPS)))
        assert self.sps is not None and self.pps is not None
        sps = [u for u in in_band if nal_type(u) == NAL_SPS] or [self.sps]
        pps = [u for u in in_band if nal_type(u) == NAL_PPS] or [self.pps]
        return join_nal_units([*sps, *pps, *rest]), True
