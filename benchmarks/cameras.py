"""Cameras: ingest cost, forwarding to WebRTC viewers, attach-to-first-frame in a browser.

Three parts (`--part ingest,viewers,attach`, all by default):

ingest: our RTSP sources vs FFmpeg's own demuxer (`-c copy -f null`).
One GStreamer RTSP camera (H.264 640x360, 25 fps, 1 Mbps, GOP 2 s; a shared
mount, so N pulls cost the simulator one encoder) serves N pulls over RTSP/TCP.
Our side: a process with N `RtspSource`s (PyAV demux in a thread each, SPS/PPS
handling, frames handed to the event loop) each forwarded to one consumer that
is drained (the "one viewer"). Baseline, same run: N `ffmpeg -rtsp_transport
tcp -i URL -c copy -f null -` processes, the native C demuxer doing no more than
pulling. We report CPU-seconds per camera-second (x100 = % of one core per
camera), cameras per core, the frame rate each consumer saw, and the ratio to
FFmpeg.

viewers: N cameras through the product's path (LiveCameras, a CameraFeed per
camera into a room) each forwarded to one WebRTC viewer (aiortc, in another
process); the hub process's CPU per camera against the same process with no
viewer (benchmarks/camera_parts/viewers.py).

attach: attach-to-first-frame in Chromium, cold and warm, against FFmpeg's own
first decoded frame (benchmarks/camera_parts/attach.py).

h265: an H.265 camera transcoded to H.264 for browsers (media/transcoder.py): CPU
per transcoded camera against the same camera in H.264, passed through.

    python benchmarks/cameras.py            # everything: N = 1, 8, 32; 3 runs each
    python benchmarks/cameras.py --part viewers --viewers 1,8,16
    python benchmarks/cameras.py --smoke    # CI: each part tiny

A ratio whose baseline used too little CPU to measure (under 0.2 CPU-seconds in the
window) says "not enough signal".

Figures are medians over the runs; the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.relay import MIN_SIGNAL_CPU_S  # noqa: E402


def measurable(share: float, count: int, window: float) -> bool:
    """`share` (of a core, per camera) of `count` cameras over `window` s is CPU enough
    to compare."""
    return share * count * window >= MIN_SIGNAL_CPU_S


# -- our ingest, in its own process -------------------------------------------------------
async def run_ingest(url: str, count: int, window: float) -> dict[str, Any]:
    import psutil

    from media.camera_source import CameraState
    from media.router import Router
    from media.rtsp_source import RtspOptions, RtspSource

    router = Router()
    transport = router.create_direct_transport()
    sources = [RtspSource(url, transport, options=RtspOptions()) for _ in range(count)]
    counts = [0] * count
    online = asyncio.Event()

    def changed(_: object) -> None:
        if all(s.state == CameraState.ONLINE for s in sources):
            online.set()

    for source in sources:
        source.observer.on("statechange", changed)
    watches = [s.watch() for s in sources]
    await asyncio.wait_for(online.wait(), 30 + count)
    consumers = [transport.consume(w.producer) for w in watches if w.producer]

    started = [asyncio.Event() for _ in consumers]

    async def drain(i: int) -> None:
        while True:
            await consumers[i].recv_frame()
            counts[i] += 1
            started[i].set()

    tasks = [asyncio.ensure_future(drain(i)) for i in range(len(consumers))]
    # each consumer starts at a keyframe (up to a GOP away): measure once all have
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in started)), 30)
    proc = psutil.Process()
    cpu0, t0, frames0 = sum(proc.cpu_times()[:2]), time.monotonic(), list(counts)
    await asyncio.sleep(window)  # the measurement window
    cpu1, t1 = sum(proc.cpu_times()[:2]), time.monotonic()
    fps = [(c - c0) / (t1 - t0) for c, c0 in zip(counts, frames0, strict=True)]
    for task in tasks:
        task.cancel()
    for source in sources:
        await source.close()
    await router.close()
    return {
        "cpu_s": cpu1 - cpu0,
        "elapsed": t1 - t0,
        "fps": fps,
        "rss_mb": proc.memory_info().rss / 2**20,
    }


# -- FFmpeg baseline -----------------------------------------------------------------------------
def run_ffmpeg(url: str, count: int, window: float) -> dict[str, Any]:
    import psutil

    command = [
        "ffmpeg",
        "-v",
        "error",
        "-nostdin",
        "-rtsp_transport",
        "tcp",
        "-i",
        url,
        "-c",
        "copy",
        "-f",
        "null",
        "-",
    ]
    procs = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(count)
    ]
    try:
        time.sleep(3.0)  # connect and settle (as the ingest side waits for online)
        for _ in range(3):  # a pull refused while the server's shared pipeline restarts
            ended = [i for i, p in enumerate(procs) if p.poll() is not None]
            if not ended:
                break
            for i in ended:
                procs[i] = subprocess.Popen(
                    command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
            time.sleep(2.0)
        handles = [psutil.Process(p.pid) for p in procs]
        cpu0 = sum(sum(h.cpu_times()[:2]) for h in handles)
        t0 = time.monotonic()
        time.sleep(window)
        cpu1 = sum(sum(h.cpu_times()[:2]) for h in handles)
        alive = sum(p.poll() is None for p in procs)
        if alive != count:
            ended = next(p for p in procs if p.poll() is not None)
            why = ended.stderr.read().decode(errors="replace")[-300:] if ended.stderr else ""
            print(f"warning: {count - alive} ffmpeg pulls ended early: {why}", file=sys.stderr)
        return {"cpu_s": cpu1 - cpu0, "elapsed": time.monotonic() - t0, "alive": alive}
    finally:
        for p in procs:
            p.kill()
            p.wait()


def ingest_subprocess(url: str, count: int, window: float) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--role",
        "ingest",
        "--url",
        url,
        "--count",
        str(count),
        "--window",
        str(window),
    ]
    for attempt in (1, 2):
        out = subprocess.run(command, capture_output=True, text=True, timeout=120 + count * 2)
        if out.returncode == 0:
            return dict(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"ingest run failed (attempt {attempt}): {out.stderr[-800:]}", file=sys.stderr)
    raise RuntimeError("the ingest process failed twice")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run for CI")
    parser.add_argument("--cameras", default="1,8,32", help="comma-separated N")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--window", type=float, default=6.0)
    parser.add_argument("--part", default="ingest,viewers,attach,h265")
    parser.add_argument("--viewers", default="1,8,16", help="N for the viewers part")
    parser.add_argument("--attach-runs", type=int, default=10, help="cold and warm runs each")
    parser.add_argument("--gop", type=int, default=25, help="frames per GOP (attach part)")
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "ingest":
        print(json.dumps(asyncio.run(run_ingest(args.url, args.count, args.window))))
        return 0
    if args.role == "h265":
        print(json.dumps(asyncio.run(run_transcode(args.url, args.count, args.window))))
        return 0
    if args.role in ("viewers-hub", "viewers"):
        from benchmarks.camera_parts import viewers as camera_viewers

        run = (
            camera_viewers.run_server if args.role == "viewers-hub" else camera_viewers.run_viewers
        )
        asyncio.run(run(args.url, args.count))
        return 0
    if args.smoke:
        args.cameras, args.runs, args.window = "1", 1, 2.0
        args.viewers, args.attach_runs = "1", 2
    parts = set(args.part.split(","))
    if "ingest" in parts:
        ingest(args)
    if "viewers" in parts:
        viewers(args)
    if "h265" in parts:
        h265(args)
    if "attach" in parts:
        from benchmarks.camera_parts import attach as camera_attach

        camera_attach.report(camera_attach.measure(args.attach_runs, args.gop), args.gop)
    return 0


def camera() -> Any:
    from tests.simulators.rtsp import RtspCamera

    # a fresh server per measurement: a shared GStreamer pipeline torn down and
    # restarted under many clients refuses some of them for a moment
    return RtspCamera(fps=25, kbps=1000, width=640, height=360, gop=50)


def viewers(args: argparse.Namespace) -> None:
    from benchmarks.camera_parts import viewers as camera_viewers

    rows = []
    for n in [int(v) for v in args.viewers.split(",")]:
        fwd, base = [], []
        for _ in range(args.runs):
            with camera() as cam:
                fwd.append(camera_viewers.measure(__file__, cam.url(), n, args.window, True))
            with camera() as cam:
                base.append(camera_viewers.measure(__file__, cam.url(), n, args.window, False))
        per_cam = statistics.median(r["cpu_s"] / r["elapsed"] / n for r in fwd)
        per_base = statistics.median(r["cpu_s"] / r["elapsed"] / n for r in base)
        fps = statistics.median(statistics.median(r["fps"]) for r in fwd)
        low = min(min(r["fps"]) for r in fwd)
        rss = statistics.median(r["rss_mb"] for r in fwd)
        rows.append((n, per_cam, per_base, fps, low, rss))
    print(
        f"\ncameras to WebRTC viewers: median of {args.runs} run(s), {args.window:.0f} s "
        "windows, one aiortc viewer per camera, hub process CPU"
    )
    print(
        f"{'N':>4} {'%core/cam':>10} {'cams/core':>10} {'no viewer':>10} {'ratio':>6} "
        f"{'fps med':>8} {'fps min':>8} {'RSS MB':>7}"
    )
    for n, per_cam, per_base, fps, low, rss in rows:
        ratio = f"{per_cam / per_base:.1f}" if measurable(per_base, n, args.window) else "n/a"
        print(
            f"{n:>4} {per_cam * 100:>10.2f} {1 / per_cam:>10.0f} {per_base * 100:>10.2f} "
            f"{ratio:>6} {fps:>8.1f} {low:>8.1f} {rss:>7.0f}"
        )
    n, per_cam, per_base, *_ = rows[-1]
    if measurable(per_base, n, args.window):
        print(
            f"ratio at N={n}: forwarding each camera to a viewer costs {per_cam / per_base:.1f}x "
            f"pulling it alone; {1 / per_cam:.0f} cameras per core (target: 100)"
        )
    else:
        print(f"ratio at N={n}: not enough signal (run without --smoke)")


async def run_transcode(url: str, count: int, window: float) -> dict[str, Any]:
    """count pulls of one camera; H.265 ones each transcoded to H.264 (count 0 -> 1
    pull passed through: the baseline), the H.264 side drained."""
    import psutil

    from media.camera_source import CameraState
    from media.router import Router
    from media.rtsp_source import RtspOptions, RtspSource
    from media.transcoder import Transcoder

    router = Router()
    transport = router.create_direct_transport()
    sources = [RtspSource(url, transport, options=RtspOptions(h265=True)) for _ in range(count)]
    watches = [s.watch() for s in sources]
    deadline = time.monotonic() + 30
    while not all(s.state == CameraState.ONLINE and s.producer for s in sources):
        if time.monotonic() > deadline:
            raise RuntimeError([s.state for s in sources])
        await asyncio.sleep(0.1)  # polling the sources' state: a benchmark set-up
    transcoders = []
    outs = []
    for watch in watches:
        assert watch.producer is not None
        if watch.producer.codec.mime_type == "video/H265":
            transcoders.append(Transcoder(watch.producer, transport))
            outs.append(transport.consume(transcoders[-1].producer))
        else:
            outs.append(transport.consume(watch.producer))
    counts = [0] * len(outs)

    async def drain(i: int) -> None:
        while True:
            await outs[i].recv_frame()
            counts[i] += 1

    tasks = [asyncio.ensure_future(drain(i)) for i in range(len(outs))]
    await asyncio.sleep(3.0)  # every transcoder past its first keyframe
    proc = psutil.Process()
    cpu0, t0, frames0 = sum(proc.cpu_times()[:2]), time.monotonic(), list(counts)
    await asyncio.sleep(window)  # the measurement window
    cpu1, t1 = sum(proc.cpu_times()[:2]), time.monotonic()
    fps = [(c - c0) / (t1 - t0) for c, c0 in zip(counts, frames0, strict=True)]
    dropped = sum(t.stats.dropped for t in transcoders)
    for task in tasks:
        task.cancel()
    for t in transcoders:
        await t.close()
    for source in sources:
        await source.close()
    await router.close()
    return {"cpu_s": cpu1 - cpu0, "elapsed": t1 - t0, "fps": fps, "dropped": dropped}


def h265(args: argparse.Namespace) -> None:
    from tests.simulators.rtsp import RtspCamera

    counts = [1] if args.smoke else [1, 2]
    rows = []
    for n in counts:
        ours, base = [], []
        for _ in range(args.runs):
            for codec, out in (("h265", ours), ("h264", base)):
                with RtspCamera(
                    codec=codec, fps=25, kbps=1000, width=640, height=360, gop=50
                ) as cam:
                    command = [
                        sys.executable,
                        __file__,
                        "--role",
                        "h265",
                        "--url",
                        cam.url(),
                        "--count",
                        str(n),
                        "--window",
                        str(args.window),
                    ]
                    run = subprocess.run(command, capture_output=True, text=True, timeout=180)
                    if run.returncode != 0:
                        raise RuntimeError(run.stderr[-800:])
                    out.append(json.loads(run.stdout.strip().splitlines()[-1]))
        per_cam = statistics.median(r["cpu_s"] / r["elapsed"] / n for r in ours)
        per_base = statistics.median(r["cpu_s"] / r["elapsed"] / n for r in base)
        fps = statistics.median(statistics.median(r["fps"]) for r in ours)
        dropped = max(r["dropped"] for r in ours)
        rows.append((n, per_cam, per_base, fps, dropped))
    print(
        f"\nH.265 -> H.264 for browsers: median of {args.runs} run(s), {args.window:.0f} s "
        "windows, 640x360 25 fps 1 Mbps, libx264 ultrafast/zerolatency, one thread each"
    )
    print(
        f"{'N':>4} {'%core/cam':>10} {'H.264 passthrough':>18} {'ratio':>6} {'fps':>6} "
        f"{'dropped':>8}"
    )
    for n, per_cam, per_base, fps, dropped in rows:
        ratio = f"{per_cam / per_base:.0f}" if measurable(per_base, n, args.window) else "n/a"
        print(
            f"{n:>4} {per_cam * 100:>10.1f} {per_base * 100:>18.2f} "
            f"{ratio:>6} {fps:>6.1f} {dropped:>8}"
        )
    n, per_cam, per_base, *_ = rows[-1]
    if measurable(per_base, n, args.window):
        print(
            f"ratio: a transcoded H.265 camera costs {per_cam / per_base:.0f}x a passed-through "
            f"H.264 one ({1 / per_cam:.1f} per core): cameras.h265_transcode_max caps them"
        )
    else:
        print(
            f"ratio: not enough signal in the passed-through baseline (run without --smoke);"
            f" a transcoded H.265 camera: {per_cam * 100:.1f} % of a core"
        )


def ingest(args: argparse.Namespace) -> None:

    sizes = [int(n) for n in args.cameras.split(",")]
    rows = []
    for n in sizes:
        ours, base = [], []
        for _ in range(args.runs):
            with camera() as cam:
                ours.append(ingest_subprocess(cam.url(), n, args.window))
            with camera() as cam:
                base.append(run_ffmpeg(cam.url(), n, args.window))
        per_cam = statistics.median(r["cpu_s"] / r["elapsed"] / n for r in ours)
        per_ffmpeg = statistics.median(r["cpu_s"] / r["elapsed"] / n for r in base)
        fps = statistics.median(statistics.median(r["fps"]) for r in ours)
        low = min(min(r["fps"]) for r in ours)
        rss = statistics.median(r["rss_mb"] for r in ours)
        rows.append((n, per_cam, per_ffmpeg, fps, low, rss))
        if min(len(r["fps"]) for r in ours) != n:
            print(f"warning: N={n}: not every camera came online", file=sys.stderr)

    print(
        f"\ncamera ingest: median of {args.runs} run(s), {args.window:.0f} s windows, "
        "H.264 640x360 25 fps 1 Mbps over RTSP/TCP"
    )
    print(
        f"{'N':>4} {'ours %core/cam':>15} {'cams/core':>10} {'ffmpeg %core/cam':>17} "
        f"{'ratio':>6} {'fps med':>8} {'fps min':>8} {'RSS MB':>7}"
    )
    for n, ours_c, base_c, fps, low, rss in rows:
        per_core = f"{1 / ours_c:.0f}" if ours_c > 0 else "n/a"
        ratio = f"{ours_c / base_c:.1f}" if measurable(base_c, n, args.window) else "n/a"
        print(
            f"{n:>4} {ours_c * 100:>15.2f} {per_core:>10} {base_c * 100:>17.2f} "
            f"{ratio:>6} {fps:>8.1f} {low:>8.1f} {rss:>7.0f}"
        )
    n, ours_c, base_c, *_ = rows[-1]
    if measurable(base_c, n, args.window):
        print(
            f"ratio at N={n}: our ingest costs {ours_c / base_c:.1f}x FFmpeg's demux-only "
            "pull per camera (target: 100 cameras per core)"
        )
    else:
        print(
            f"ratio at N={n}: not enough signal (FFmpeg's pull used less CPU than the clock"
            " resolves; use a longer --window)"
        )


if __name__ == "__main__":
    sys.exit(main())
