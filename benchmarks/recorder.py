"""Recorder CPU per stream next to the forwarding cost of the same stream, same run.

For each codec (VP8, H.264, Opus) the same pre-encoded frames go through:
  forward: a consumer -> aiortc's RTP packetizer (what an aiortc sender does for an
           encoded frame: encoder.pack) -> RTP serialisation -> SRTP protect
           (pylibsrtp), i.e. one subscriber's forwarding work minus the socket send;
  record:  the RoomRecorder (consumer -> PyAV remux into segments -> hashing, chain,
           state file, manifest signing at stop).
Both include the producer's send(). CPU is process time; "cpu/stream" is CPU seconds
per second of media (fraction of one core for a live stream). Frames lost = sent -
recorded. Prints medians over several runs and the ratio record/forward
(target: <= 2x, frames lost 0), and the longest the event loop was held up at once
in each (a segment's fsync and hash run on the recorder's disk thread, not there).

    python benchmarks/recorder.py [--smoke] [--runs N] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiortc.codecs import get_encoder
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket
from pylibsrtp import Policy, Session

from media.frames import EncodedFrame, MediaCodec
from media.router import Router
from recorder.manifest import Consent, Participant, RecordingMetadata
from recorder.recording import RoomRecorder
from recorder.settings import RecorderSettings
from recorder.signing import load_or_create_signing_key
from tests.recorder.media_samples import (
    H264_CODEC,
    OPUS_CODEC,
    VP8_CODEC,
    opus_frames,
    video_frames,
)


def frames_for(codec: MediaCodec, seconds: float) -> list[EncodedFrame]:
    if codec is OPUS_CODEC:
        base = opus_frames(150)
        n, step = int(seconds * 50), 960
    else:
        base = video_frames(codec, 90)
        n, step = int(seconds * 30), 3000
    return [EncodedFrame(base[i % len(base)].data, i * step, codec) for i in range(n)]


class LoopStall:
    """The longest gap between two turns of a task that only yields: how long the
    event loop (everyone's forwarding) was held up at once."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    async def stop(self) -> float:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return self.longest


async def forward(frames: list[EncodedFrame]) -> tuple[float, int, float]:
    """One subscriber's forwarding: a sender task packs each frame into SRTP packets."""
    codec = frames[0].codec
    router = Router()
    producer = router.create_direct_transport().produce(codec)
    consumer = router.create_direct_transport().consume(producer)
    packer = get_encoder(
        RTCRtpCodecParameters(
            mimeType=codec.mime_type, clockRate=codec.clock_rate, channels=codec.channels
        )
    )
    srtp = Session(Policy(key=bytes(30), ssrc_type=Policy.SSRC_ANY_OUTBOUND))
    done = asyncio.get_running_loop().create_future()

    async def sender() -> None:
        seq = 0
        for _ in range(len(frames)):
            frame = await consumer.recv_frame()
            payloads, timestamp = packer.pack(frame.as_packet())  # type: ignore[attr-defined]
            for i, payload in enumerate(payloads):
                rtp = RtpPacket(
                    payload_type=96,
                    sequence_number=seq & 0xFFFF,
                    timestamp=timestamp,
                    ssrc=1234,
                    payload=payload,
                    marker=int(i == len(payloads) - 1),
                )
                srtp.protect(rtp.serialize())
                seq += 1
        done.set_result(None)

    start = time.process_time()
    stall = LoopStall()
    task = asyncio.ensure_future(sender())
    for frame in frames:
        producer.send(frame)
        await asyncio.sleep(0)  # the loop runs between frames, as with a network
    await done
    cpu = time.process_time() - start
    longest = await stall.stop()
    await task
    await router.close()
    return cpu, len(frames) - consumer.delivered_frames, longest


async def record(frames: list[EncodedFrame], root: Path) -> tuple[float, int, float]:
    key = load_or_create_signing_key(root / "data")
    router = Router()
    producer = router.create_direct_transport().produce(frames[0].codec)
    meta = RecordingMetadata("bench", "bench", "bench", [Participant("a", "a", "party", "bench")])
    rec = RoomRecorder(
        router,
        root / "recordings",
        meta,
        [Consent("a", "now", "bench")],
        key,
        RecorderSettings(segment_duration_s=10.0),
    )
    start = time.process_time()
    await rec.start()
    stall = LoopStall()
    for frame in frames:
        producer.send(frame)
        await asyncio.sleep(0)  # the loop runs between frames, as with a network
    await rec.wait_written()
    longest = await stall.stop()  # before stop(): signing the manifest is once, at the end
    await rec.stop()
    cpu = time.process_time() - start
    await router.close()
    return cpu, len(frames) - rec.frames_written, longest


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20.0, help="media seconds per run")
    args = parser.parse_args()
    runs, seconds = (2, 2.0) if args.smoke else (args.runs, args.seconds)
    print(f"recorder benchmark: {runs} runs x {seconds:.0f} s of media per codec (medians)")
    print(
        f"{'codec':<11} {'forward cpu/stream':>19} {'record cpu/stream':>18} {'ratio':>6} "
        f"{'lost':>5} {'loop stall fwd/rec (ms)':>24}"
    )
    worst = 0.0
    lost_total = 0
    for codec in (VP8_CODEC, H264_CODEC, OPUS_CODEC):
        frames = frames_for(codec, seconds)
        fwd, rec, lost, fwd_stall, rec_stall = [], [], [], [], []
        for _ in range(runs):
            cpu, _lost, longest = await forward(frames)
            fwd.append(cpu / seconds)
            fwd_stall.append(longest)
            with tempfile.TemporaryDirectory() as tmp:
                cpu, n_lost, longest = await record(frames, Path(tmp))
            rec.append(cpu / seconds)
            lost.append(n_lost)
            rec_stall.append(longest)
        f, r = statistics.median(fwd), statistics.median(rec)
        ratio = r / f if f else float("inf")
        worst = max(worst, ratio)
        lost_total += sum(lost)
        print(
            f"{codec.mime_type:<11} {f * 100:>17.2f} % {r * 100:>16.2f} % {ratio:>5.2f}x "
            f"{max(lost):>5} {statistics.median(fwd_stall) * 1000:>13.1f} / "
            f"{statistics.median(rec_stall) * 1000:.1f}"
        )
    print(
        f"worst ratio record/forward: {worst:.2f}x (target <= 2x); frames lost: {lost_total} "
        f"(target 0)"
    )


if __name__ == "__main__":
    asyncio.run(main())
