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


class AccessUnitSplitter:
    """Cuts an H.264 elementary stream that arrives in arbitrary pieces (PES
    payloads) into access units, by NAL unit: a new one starts at an AUD, SPS,
    PPS or SEI after a slice, or at a slice whose first_mb_in_slice is 0. An
    access unit is complete when the next one starts (one frame of latency).

    A timestamp given with a piece belongs to the first access unit that starts
    in it (MPEG systems' rule for PES PTS); access units with none get None.
    """

    __slots__ = ("_au", "_au_pts", "_base", "_buf", "_has_slice", "_marks", "max_bytes")

    def __init__(self, max_bytes: int = 4 << 20) -> None:
        self.max_bytes = max_bytes  # a runaway unit (no start code) is dropped past this
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._marks: list[tuple[int, int]] = []  # (stream offset, pts), oldest first
        self._au: list[bytes] = []
        self._au_pts: int | None = None
        self._has_slice = False

    def push(self, data: bytes, pts: int | None = None) -> list[tuple[bytes, int | None]]:
        if pts is not None:
            self._marks.append((self._base + len(self._buf), pts))
        self._buf += data
        out: list[tuple[bytes, int | None]] = []
        buf = self._buf
        first = buf.find(b"\x00\x00\x01")
        if first == -1:
            if len(buf) > self.max_bytes:
                self.reset()
            return out
        consumed = first
        i = first
        while True:
            j = buf.find(b"\x00\x00\x01", i + 3)
            if j == -1:
                break
            unit = bytes(buf[i + 3 : j]).rstrip(b"\x00")
            self._add(unit, self._base + i, out)
            consumed = i = j
        del buf[:consumed]
        self._base += consumed
        if len(buf) > self.max_bytes:
            self.reset()
        return out

    def flush(self) -> list[tuple[bytes, int | None]]:
        """End of stream: the pending NAL unit and access unit are complete."""
        out: list[tuple[bytes, int | None]] = []
        i = self._buf.find(b"\x00\x00\x01")
        if i != -1:
            self._add(bytes(self._buf[i + 3 :]).rstrip(b"\x00"), self._base + i, out)
        self._emit(out)
        self.reset()
        return out

    def reset(self) -> None:
        """Forget everything pending (after a loss)."""
        self._base += len(self._buf)
        self._buf = bytearray()
        self._marks.clear()
        self._au = []
        self._au_pts = None
        self._has_slice = False

    def _add(self, unit: bytes, offset: int, out: list[tuple[bytes, int | None]]) -> None:
        if not unit:
            return
        kind = unit[0] & 0x1F
        is_slice = 1 <= kind <= NAL_IDR
        starts_au = (kind in (NAL_AUD, NAL_SPS, NAL_PPS, NAL_SEI) or 14 <= kind <= 18) or (
            is_slice and len(unit) > 1 and unit[1] & 0x80  # first_mb_in_slice == 0
        )
        if starts_au and self._has_slice:
            self._emit(out)
        if not self._au:
            while self._marks and self._marks[0][0] <= offset:
                self._au_pts = self._marks.pop(0)[1]
        self._au.append(unit)
        self._has_slice = self._has_slice or is_slice

    def _emit(self, out: list[tuple[bytes, int | None]]) -> None:
        if self._au and self._has_slice:
            out.append((join_nal_units(self._au), self._au_pts))
        self._au = []
        self._au_pts = None
        self._has_slice = False
