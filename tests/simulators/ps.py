"""MPEG-PS made by FFmpeg (`-f mpeg`), and the sender that plays it over RTP."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from functools import cache
from pathlib import Path

from media.ps_rtp_source import StreamOffer

SENDER = Path(__file__).with_name("ps_rtp_sender.py")


@cache
def ffmpeg_ps(codec: str = "h264", frames: int = 50, fps: int = 25, gop: int = 25) -> bytes:
    """A program stream as FFmpeg's mpeg muxer writes it (MPEG-1 packs of 2 KB)."""
    encoder = (
        ["-c:v", "libx264", "-profile:v", "baseline", "-bf", "0", "-tune", "zerolatency"]
        if codec == "h264"
        else ["-c:v", "libx265", "-x265-params", "log-level=error:bframes=0"]
    )
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi",
         "-i", f"testsrc=size=320x240:rate={fps}", "-frames:v", str(frames),
         "-pix_fmt", "yuv420p", *encoder, "-g", str(gop), "-f", "mpeg", "pipe:1"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip


class SenderSignaller:
    """A StreamSignaller that starts ps_rtp_sender.py where the offer says."""

    def __init__(self, ssrc: int | None = 0x0123ABCD, **sender: object) -> None:
        self.ssrc = ssrc
        self.sender = sender
        self.offers: list[StreamOffer] = []
        self.stops = 0
        self.keyframe_requests = 0
        self.procs: list[subprocess.Popen[bytes]] = []

    async def start_stream(self, offer: StreamOffer) -> int | None:
        self.offers.append(offer)
        args = [sys.executable, str(SENDER), "--host", offer.host, "--port", str(offer.port),
                "--transport", offer.transport, "--ssrc", str(self.ssrc or 0x55AA55AA)]  # fmt: skip
        for key, value in self.sender.items():
            args += [f"--{key.replace('_', '-')}", str(value)]
        self.procs.append(await asyncio.to_thread(subprocess.Popen, args, stdout=subprocess.PIPE))
        return self.ssrc

    async def stop_stream(self) -> None:
        self.stops += 1
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()

    def request_keyframe(self) -> None:
        self.keyframe_requests += 1

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(5)
            if proc.stdout is not None:
                proc.stdout.close()
