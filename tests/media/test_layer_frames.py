"""Frames for the recorder from a simulcast producer stay on one timeline."""

from __future__ import annotations

import time

from media._aiortc_codecs import Packetizer
from media.frames import VP8, MediaCodec
from media.layer_frames import LayerFrames

CODEC = MediaCodec(VP8, 90000)
KEY = b"\x10\x02\x00\x9d\x01\x2a" + bytes(3000)  # VP8 keyframe, several packets


def test_a_layer_change_carries_the_timeline_on() -> None:
    frames = LayerFrames(CODEC, 1)
    high, low = Packetizer(VP8, 90000), Packetizer(VP8, 90000)  # two SSRCs, two origins
    out = []
    for i in range(3):
        for packet in high.packetize(KEY, 1_000_000 + 3000 * i):
            out.extend(frames.add(packet)[0])
    # (a frame is complete when the next one starts)
    assert [f.timestamp for f in out] == [1_000_000, 1_003_000]  # untouched
    assert frames.timeline(high.ssrc, 1_006_000) == 1_006_000
    assert frames.timeline(low.ssrc, 5) is None  # another layer's report: not ours

    frames.switch(0)
    started = time.monotonic()
    for i in range(3):
        for packet in low.packetize(KEY, 77 + 3000 * i):
            out.extend(frames.add(packet)[0])
    elapsed = time.monotonic() - started
    first_low = out[2].timestamp
    assert 1_003_000 < first_low <= 1_003_000 + int((elapsed + 0.01) * 90000) + 1
    assert out[3].timestamp - first_low == 3000  # the layer's own spacing
    assert frames.ssrc == low.ssrc
    assert frames.timeline(low.ssrc, 77) == first_low  # its reports on the same timeline
    assert [f.data for f in out] == [KEY] * 4
