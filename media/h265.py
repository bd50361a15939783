"""H.265 (HEVC) Annex B helpers for camera ingest: NAL types, parameter sets.

Newer cameras of the police video network send H.265. The hub forwards it
untouched to what can take it (the recorder, evidence clips) and makes an H.264
copy for browsers that can't (media/transcoder.py). As with H.264 (media/h264.py),
a decoder that starts mid-stream needs VPS/SPS/PPS in front of the random access
picture it starts from: `HevcParameterSets.prepare()` puts the latest known there.
Pure byte slicing, no decoding.
"""

from __future__ import annotations

from media.h264 import join_nal_units, split_nal_units

# ITU-T H.265 table 7-1
NAL_BLA_W_LP, NAL_CRA = 16, 21  # 16..21: IRAP pictures (BLA, IDR, CRA); 22, 23 reserved IRAP
NAL_VPS, NAL_SPS, NAL_PPS, NAL_AUD = 32, 33, 34, 35
PARAMETER_SETS = (NAL_VPS, NAL_SPS, NAL_PPS)


def hevc_nal_type(unit: bytes) -> int:
    return (unit[0] >> 1) & 0x3F if unit else -1


def is_irap(kind: int) -> bool:
    return NAL_BLA_W_LP <= kind <= 23


def is_hevc_keyframe(data: bytes) -> bool:
    """Does this Annex B access unit hold a random access (IRAP) picture?"""
    return any(is_irap(hevc_nal_type(u)) for u in split_nal_units(data))


class HevcParameterSets:
    """The latest VPS/SPS/PPS seen (from extradata or in band), put in front of IRAPs."""

    __slots__ = ("units",)

    def __init__(self, extradata: bytes | None = None) -> None:
        self.units: dict[int, bytes] = {}
        if extradata and extradata[0] != 1:  # Annex B (RTSP sprop-*), not an hvcC record
            self.learn(split_nal_units(extradata))

    def learn(self, units: list[bytes]) -> None:
        for unit in units:
            kind = hevc_nal_type(unit)
            if kind in PARAMETER_SETS:
                self.units[kind] = unit

    @property
    def complete(self) -> bool:
        return all(kind in self.units for kind in PARAMETER_SETS)

    def prepare(self, access_unit: bytes) -> tuple[bytes, bool]:
        """(access unit to forward, is_keyframe): an IRAP starts with VPS, SPS, PPS
        (its own or the latest known); others lose theirs (learned); AUDs dropped.
        An access unit with no picture returns b""."""
        units = split_nal_units(access_unit)
        types = [hevc_nal_type(u) for u in units]
        self.learn(units)
        if not any(t < NAL_VPS for t in types):  # VCL NAL units are 0..31
            return b"", False
        keyframe = any(is_irap(t) for t in types) and self.complete
        rest = [u for u, t in zip(units, types, strict=True) if t not in (*PARAMETER_SETS, NAL_AUD)]
        if not keyframe:
            return join_nal_units(rest), False
        return join_nal_units([self.units[k] for k in PARAMETER_SETS] + rest), True
