"""MPEG-2 Program Stream demuxer (ISO/IEC 13818-1 2.5) for GB/T 28181 video, pure.

A push parser: RTP payloads go in as they come (packs cut anywhere), H.264
access units in Annex B come out with their 90 kHz PTS. Nothing is decoded.

Why our own instead of PyAV's `format="mpeg"`: the bytes arrive on the event
loop from a UDP/TCP receiver, and a push parser keeps them there (no blocking
reader thread and pipe per camera); FFmpeg's demuxer probes before the first
packet (up to its probesize) where we start at the first pack; the program
stream map (PSM) gives the stream type, which is how an H.265 or SVAC channel is
told apart and refused before anything is forwarded; and resynchronising after
an RTP loss is ours to decide (drop the partial access unit, wait for a
keyframe). Parsing is slicing: cheap next to the UDP receive itself.

Handles MPEG-2 and MPEG-1 pack headers (FFmpeg's `-f mpeg` writes MPEG-1),
system headers, PSM, padding, bounded and unbounded video PES, MPEG-1 and MPEG-2
PES headers, and frames split across PES packets or sharing one (frames are cut
by NAL unit, see media/h264.AccessUnitSplitter). Audio is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.h264 import AccessUnitSplitter

PACK_START = 0xBA
SYSTEM_HEADER = 0xBB
PROGRAM_STREAM_MAP = 0xBC
PROGRAM_END = 0xB9

# ISO/IEC 13818-1 table 2-34 stream types, plus GB/T 28181's additions
STREAM_TYPES = {
    0x01: "mpeg1video",
    0x02: "mpeg2video",
    0x10: "mpeg4",
    0x1B: "h264",
    0x24: "hevc",
    0x80: "svac",  # GB/T 25724, GB/T 28181 annex
    0x03: "mp2",
    0x04: "mp3",
    0x0F: "aac",
    0x90: "pcm_alaw",  # G.711A, as GB/T 28181 uses it
    0x91: "pcm_mulaw",
    0x92: "g722",
    0x93: "g723",
    0x99: "g729",
    0x9B: "svac_audio",
}

MAX_BUFFER = 8 << 20  # a stream that never resynchronises is cut here


@dataclass(frozen=True, slots=True)
class PsFrame:
    codec: str  # "h264", "hevc", ... from the PSM, or sniffed from the stream
    data: bytes  # one access unit, Annex B
    pts: int | None  # 90 kHz, 33 bits; None if the stream gave none


@dataclass
class PsStats:
    packs: int = 0
    pes: int = 0
    frames: int = 0
    skipped_bytes: int = 0  # garbage skipped to find the next start code
    errors: int = 0  # malformed structures skipped


def read_timestamp(b: bytes | bytearray, i: int) -> int:
    """A 33-bit PTS/DTS from its 5 marker-bit-interleaved bytes."""
    return (
        ((b[i] >> 1) & 0x07) << 30
        | b[i + 1] << 22
        | (b[i + 2] >> 1) << 15
        | b[i + 3] << 7
        | b[i + 4] >> 1
    )


def sniff_video_codec(es: bytes) -> str | None:
    """H.264 or H.265 from the NAL units in a piece of elementary stream."""
    i = es.find(b"\x00\x00\x01")
    while i != -1 and i + 4 < len(es):
        b0, b1 = es[i + 3], es[i + 4]
        if b0 & 0x80 == 0:
            h265 = (b0 >> 1) & 0x3F
            if h265 in (32, 33, 34) and b1 == 0x01:  # VPS/SPS/PPS, layer 0, tid 1
                return "hevc"
            if b0 & 0x1F in (7, 8, 5) and b0 & 0x60:  # SPS/PPS/IDR with nal_ref_idc
                return "h264"
        i = es.find(b"\x00\x00\x01", i + 3)
    return None


class PsDemuxer:
    """feed() bytes, get PsFrames. reset() after a loss."""

    def __init__(self) -> None:
        self.stats = PsStats()
        self.stream_types: dict[int, int] = {}  # stream_id -> stream type, from the PSM
        self.video_stream: int | None = None
        self.video_codec: str | None = None
        self._buf = bytearray()
        self._splitter = AccessUnitSplitter()
        self._last_pts: int | None = None
        self._step = 3600  # 90 kHz ticks per frame, learned from the PTS

    def reset(self) -> None:
        """Drop partial packs and the partial access unit: resync at the next pack."""
        self._buf.clear()
        self._splitter.reset()

    def feed(self, data: bytes) -> list[PsFrame]:
        self._buf += data
        out: list[PsFrame] = []
        buf = self._buf
        pos = 0
        while True:
            start = buf.find(b"\x00\x00\x01", pos)
            if start == -1:
                keep = max(pos, len(buf) - 3)  # a start code may straddle the pieces
                self.stats.skipped_bytes += keep - pos
                pos = keep
                break
            if start != pos:
                self.stats.skipped_bytes += start - pos
                pos = start
            if len(buf) < pos + 4:
                break
            code = buf[pos + 3]
            if code == PACK_START:
                size = self._pack_size(buf, pos)
                if size is None:
                    break
                if size == 0:
                    pos += 4
                    continue
                self.stats.packs += 1
                pos += size
            elif code == PROGRAM_END:
                pos += 4
            elif code >= PROGRAM_STREAM_MAP or code == SYSTEM_HEADER:
                size = self._pes_size(buf, pos, code)
                if size is None:
                    break
                self._packet(bytes(buf[pos : pos + size]), code, out)
                pos += size
            else:  # not a system start code here (0x00-0xB8): look further
                self.stats.errors += 1
                pos += 3
        del buf[:pos]
        if len(buf) > MAX_BUFFER:
            self.stats.errors += 1
            self.reset()
        return out

    def flush(self) -> list[PsFrame]:
        """End of stream: the last access unit is complete."""
        out: list[PsFrame] = []
        for data, pts in self._splitter.flush():
            self._frame(data, pts, out)
        return out

    # -- structure sizes ------------------------------------------------------------------
    def _pack_size(self, buf: bytearray, pos: int) -> int | None:
        """Bytes in the pack header at pos; None if incomplete, 0 if invalid."""
        if len(buf) < pos + 5:
            return None
        marker = buf[pos + 4]
        if marker & 0xC0 == 0x40:  # MPEG-2: 14 bytes + stuffing
            if len(buf) < pos + 14:
                return None
            return 14 + (buf[pos + 13] & 0x07)
        if marker & 0xF0 == 0x20:  # MPEG-1: 12 bytes
            return 12
        self.stats.errors += 1
        return 0

    def _pes_size(self, buf: bytearray, pos: int, code: int) -> int | None:
        """Bytes in the PES-like packet at pos; None if it isn't all here yet."""
        if len(buf) < pos + 6:
            return None
        length = int.from_bytes(buf[pos + 4 : pos + 6], "big")
        if length == 0 and 0xE0 <= code <= 0xEF:
            # unbounded video PES: runs to the next system start code (0xB9-0xFF is
            # never a valid H.264/H.265 NAL header: its forbidden bit is set)
            i = pos + 6
            while True:
                j = buf.find(b"\x00\x00\x01", i)
                if j == -1 or j + 3 >= len(buf):
                    return None
                if buf[j + 3] >= PROGRAM_END:
                    return j - pos
                i = j + 3
        if len(buf) < pos + 6 + length:
            return None
        return 6 + length

    # -- packets -----------------------------------------------------------------------------
    def _packet(self, packet: bytes, code: int, out: list[PsFrame]) -> None:
        if code == PROGRAM_STREAM_MAP:
            self._psm(packet)
        elif 0xE0 <= code <= 0xEF:
            if self.video_stream is None:
                self.video_stream = code
            if code == self.video_stream:
                self._video_pes(packet, out)

    def _psm(self, packet: bytes) -> None:
        try:
            info_len = int.from_bytes(packet[8:10], "big")
            i = 10 + info_len
            map_len = int.from_bytes(packet[i : i + 2], "big")
            i += 2
            end = min(i + map_len, len(packet))
            while i + 4 <= end:
                stream_type, stream_id = packet[i], packet[i + 1]
                es_info_len = int.from_bytes(packet[i + 2 : i + 4], "big")
                self.stream_types[stream_id] = stream_type
                if 0xE0 <= stream_id <= 0xEF and self.video_codec is None:
                    self.video_codec = STREAM_TYPES.get(stream_type, f"type 0x{stream_type:02x}")
                    self.video_stream = stream_id
                i += 4 + es_info_len
        except IndexError:
            self.stats.errors += 1

    def _video_pes(self, packet: bytes, out: list[PsFrame]) -> None:
        self.stats.pes += 1
        pts: int | None = None
        if len(packet) < 9:
            self.stats.errors += 1
            return
        if packet[6] & 0xC0 == 0x80:  # MPEG-2 PES header
            header_len = packet[8]
            if packet[7] & 0x80 and header_len >= 5:
                pts = read_timestamp(packet, 9)
            start = 9 + header_len
        else:  # MPEG-1 PES header
            i = 6
            while i < len(packet) and packet[i] == 0xFF and i < 6 + 16:
                i += 1
            if i < len(packet) and packet[i] & 0xC0 == 0x40:
                i += 2  # STD buffer size
            if i >= len(packet):
                self.stats.errors += 1
                return
            flags = packet[i] & 0xF0
            if flags == 0x20 and i + 5 <= len(packet):
                pts, start = read_timestamp(packet, i), i + 5
            elif flags == 0x30 and i + 10 <= len(packet):
                pts, start = read_timestamp(packet, i), i + 10
            elif packet[i] == 0x0F:
                start = i + 1
            else:
                self.stats.errors += 1
                return
        if start > len(packet):
            self.stats.errors += 1
            return
        payload = packet[start:]
        if self.video_codec is None:
            self.video_codec = sniff_video_codec(payload)
        if self.video_codec not in (None, "h264"):
            # only H.264 is cut into access units; others are reported, not forwarded
            out.append(PsFrame(self.video_codec, b"", pts))
            return
        for data, au_pts in self._splitter.push(payload, pts):
            self._frame(data, au_pts, out)

    def _frame(self, data: bytes, pts: int | None, out: list[PsFrame]) -> None:
        if pts is None:
            pts = None if self._last_pts is None else (self._last_pts + self._step) % (1 << 33)
        elif self._last_pts is not None:
            delta = (pts - self._last_pts) % (1 << 33)
            if 0 < delta < 90000:
                self._step = delta
        self._last_pts = pts
        self.stats.frames += 1
        out.append(PsFrame(self.video_codec or "h264", data, pts))
