"""A recording process for the crash test: records VP8, H.264 and Opus publishers
in real time and reports what it has sent, until the test kills it with SIGKILL.

    python -m tests.recorder.crash_child <recordings-dir> <data-dir>
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from media.frames import EncodedFrame
from media.router import Router
from recorder.recording import RoomRecorder
from recorder.settings import RecorderSettings
from recorder.signing import load_or_create_signing_key
from tests.recorder.conftest import consent, metadata
from tests.recorder.media_samples import (
    FPS,
    H264_CODEC,
    OPUS_CODEC,
    VP8_CODEC,
    opus_payloads,
    video_payloads,
)

VIDEO_FRAMES = 90  # payloads loop; frame 0 is a keyframe
OPUS_PACKETS = 150


def video(codec, payloads: tuple[bytes, ...], n: int) -> EncodedFrame:
    return EncodedFrame(payloads[n % len(payloads)], n * (90000 // FPS), codec)


async def main(recordings: Path, data_dir: Path) -> None:
    vp8 = video_payloads("libvpx", VIDEO_FRAMES)
    h264 = video_payloads("libx264", VIDEO_FRAMES)
    opus = opus_payloads(OPUS_PACKETS)
    # what "known frames" means: this process's payloads (libvpx realtime is not
    # deterministic across processes)
    (data_dir / "sent.json").parent.mkdir(parents=True, exist_ok=True)
    (data_dir / "sent.json").write_text(
        json.dumps(
            {k: [p.hex() for p in v] for k, v in (("vp8", vp8), ("h264", h264), ("opus", opus))}
        )
    )
    router = Router()
    transport = router.create_direct_transport()
    producers = [
        transport.produce(codec, app_data={"participant": "a"})
        for codec in (VP8_CODEC, H264_CODEC, OPUS_CODEC)
    ]
    key = load_or_create_signing_key(data_dir)
    rec = RoomRecorder(
        router,
        recordings,
        metadata("a"),
        [consent("a")],
        key,
        RecorderSettings(segment_duration_s=1.5),
    )
    await rec.start()
    print("started", rec.directory, flush=True)
    t0 = time.monotonic()
    n_video = n_opus = 0
    while True:
        elapsed = time.monotonic() - t0
        while n_video <= elapsed * FPS:
            producers[0].send(video(VP8_CODEC, vp8, n_video))
            producers[1].send(video(H264_CODEC, h264, n_video))
            n_video += 1
            if n_video % 10 == 0:
                print("sent", n_video, n_opus, flush=True)
        while n_opus <= elapsed * 50:
            producers[2].send(EncodedFrame(opus[n_opus % len(opus)], n_opus * 960, OPUS_CODEC))
            n_opus += 1
        await asyncio.sleep(0.005)  # pacing a live source, not synchronisation


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
