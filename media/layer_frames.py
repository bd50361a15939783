"""Whole frames of one simulcast layer of a packet producer, for frame consumers
(the recorder), on one timeline even when the layer changes."""

from __future__ import annotations

import time

from media._aiortc_codecs import FrameAssembler
from media.frames import EncodedFrame, MediaCodec
from media.rtp import RtpPacketLike


class LayerFrames:
    """Assembles the frames of `layer`. Another layer has its own SSRC and its own
    timestamp origin: when the layer changes, its timestamps are shifted to carry
    on from the last frame (by the time that passed), so a recording never jumps."""

    def __init__(self, codec: MediaCodec, layer: int) -> None:
        self.codec = codec
        self.layer = layer
        self.ssrc: int | None = None  # of the frames handed out lately
        self._assembler: FrameAssembler | None = None
        self._offset = 0
        self._last: tuple[int, float] | None = None  # (timestamp out, monotonic)
        self._rebase = False

    def switch(self, layer: int) -> None:
        """Take frames from `layer` from its next keyframe on."""
        if layer != self.layer:
            self.layer = layer
            self._assembler = None
            self._rebase = True

    def add(self, packet: RtpPacketLike) -> tuple[list[EncodedFrame], bool]:
        """(frames completed by this packet, whether a picture was lost)."""
        if self._assembler is None:
            self._assembler = FrameAssembler(self.codec.mime_type, self.codec.clock_rate)
        completed, lost = self._assembler.add(packet)
        frames = []
        for data, timestamp in completed:
            now = time.monotonic()
            if self._rebase or packet.ssrc != self.ssrc:
                if self._last is not None and (self._rebase or self.ssrc is not None):
                    step = max(1, int((now - self._last[1]) * self.codec.clock_rate))
                    self._offset = (self._last[0] + step - timestamp) & 0xFFFFFFFF
                self._rebase = False
                self.ssrc = packet.ssrc
            out = (timestamp + self._offset) & 0xFFFFFFFF
            self._last = (out, now)
            frames.append(EncodedFrame(data, out, self.codec))
        return frames, lost

    def timeline(self, ssrc: int, rtp_timestamp: int) -> int | None:
        """A sender report's RTP timestamp on the frames' timeline (None: another layer)."""
        if self.ssrc is not None and ssrc != self.ssrc:
            return None
        return (rtp_timestamp + self._offset) & 0xFFFFFFFF
