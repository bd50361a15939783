"""Evidence from a camera: a snapshot (one keyframe, and the JPEG decoded from it) and
a clip with pre-roll, each sealed exactly as a recording is.

Both are recordings on disk (recorder.store): a directory under
DATA_DIR/recordings with state.json, segments hashed into the chain (recorder.chain)
and a signed manifest (recorder.manifest, recorder.sealer), so `mediation-hub
evidence verify` checks them offline and the recordings API lists them with their
case. The manifest's `evidence` says what it is (kind, camera, who took it, when,
the pre-roll) and what each derived file came from.

- Snapshot: the original keyframe access unit goes into `t01-00001.ts` (MPEG-TS,
  untouched bytes, as recordings keep H.264), and the picture decoded from it into
  `t01-00002.jpg`, "derived from" the first. Decoding and encoding run in a worker
  thread (`take_snapshot` is blocking: call it with asyncio.to_thread).
- Clip: a `CameraClip` writes the pre-roll (whole GOPs, from a GopBuffer) and then
  every live frame through the recorder's SegmentWriter (MPEG-TS segments cut at
  keyframes), all on one writer thread of its own; stop() seals and signs it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from media.frames import EncodedFrame
from recorder.manifest import RecordingMetadata
from recorder.sealer import Sealer, iso
from recorder.segment_writer import ClosedSegment, OpenSegment, SegmentWriter, wall_clock
from recorder.store import COMPLETED

logger = logging.getLogger(__name__)

SNAPSHOT, CLIP = "snapshot", "clip"
JPEG_FILE = "t01-00002.jpg"


class CaptureError(Exception):
    """A capture that can't be made (no picture from the camera, a decoder error)."""


@dataclass
class CaptureInfo:
    """What a piece of camera evidence is about, for its manifest."""

    kind: str  # SNAPSHOT | CLIP
    camera_id: str
    camera_name: str
    camera_source: str  # the source without credentials (rtsp://host/path, GB device/channel)
    taken_by: str  # the person's name
    taken_by_id: str
    extra: dict[str, Any] = field(default_factory=dict)


def new_id(kind: str) -> str:
    return time.strftime("%Y%m%d-%H%M%S-") + f"{kind}-" + uuid.uuid4().hex[:8]


def _sealer(
    root: Path, capture_id: str, metadata: RecordingMetadata, info: CaptureInfo, algorithm: str
) -> Sealer:
    directory = root / capture_id
    directory.mkdir(parents=True, exist_ok=False)
    return Sealer.create(
        directory,
        capture_id,
        algorithm,
        {
            "metadata": metadata.to_json(),
            "consents": [],
            "skipped_producers": [],
            "evidence": {**asdict(info), "captured_at": iso(time.time())},
        },
    )


def _fsync(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


def _seal_closed(sealer: Sealer, segment: ClosedSegment) -> None:
    _fsync(segment.path)
    sealer.seal_segment(
        file=segment.path.name,
        track_id=segment.track_id,
        start=segment.start_wall,
        duration=segment.duration_s,
        frames=segment.frames,
        first_ts=segment.first_ts,
        last_ts=segment.last_ts,
        clock_rate=segment.clock_rate,
    )


# -- snapshots -----------------------------------------------------------------------------
def jpeg_of(gop: list[EncodedFrame], quality: int = 3) -> tuple[bytes, int, int]:
    """Decode a GOP (an H.264 keyframe with SPS/PPS in front, and the frames after
    it) and encode its last picture as JPEG. CPU work: never on the event loop."""
    try:
        name = "hevc" if gop[0].codec.mime_type.lower() == "video/h265" else "h264"
        decoder: Any = av.CodecContext.create(name, "r")
        pictures: list[Any] = []
        for frame in gop:
            pictures.extend(decoder.decode(av.Packet(frame.data)))
        pictures.extend(decoder.decode(None))
    except av.error.FFmpegError as exc:
        raise CaptureError(f"the video does not decode: {exc}") from None
    if not pictures:
        raise CaptureError("the video gave no picture")
    picture = pictures[-1]
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height = picture.width, picture.height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.options = {"qmin": "1", "qmax": str(quality)}
    packets = list(encoder.encode(picture.reformat(format="yuvj420p"))) + list(encoder.encode(None))
    return bytes(packets[0]), picture.width, picture.height


def take_snapshot(
    root: Path,
    gop: list[EncodedFrame],
    metadata: RecordingMetadata,
    info: CaptureInfo,
    *,
    algorithm: str = "sha256",
    capture_id: str | None = None,
) -> Sealer:
    """Blocking (a worker thread): the picture of the newest frame of `gop`, sealed
    with the original frames it was decoded from. The caller signs it with
    `await finish(sealer, key)`."""
    if not gop or not gop[0].keyframe:
        raise CaptureError("no keyframe to start decoding from")
    capture_id = capture_id or new_id(SNAPSHOT)
    jpeg, width, height = jpeg_of(gop)  # first: nothing is left behind if it fails
    sealer = _sealer(root, capture_id, metadata, info, algorithm)
    writer = SegmentWriter(
        sealer.directory,
        "t01",
        gop[0].codec,
        segment_duration_s=3600,
        on_open=lambda segment: None,
        on_close=lambda segment: _seal_closed(sealer, segment),
    )
    for frame in gop:
        writer.write(frame)
    writer.close()
    path = sealer.directory / JPEG_FILE
    with open(path, "wb") as f:
        f.write(jpeg)
        f.flush()
        os.fsync(f.fileno())
    newest = gop[-1]
    taken = wall_clock(newest.arrival)
    sealer.seal_segment(
        file=JPEG_FILE,
        track_id="t01",
        start=taken,
        duration=0.0,
        frames=1,
        first_ts=newest.timestamp,
        last_ts=newest.timestamp,
        clock_rate=newest.codec.clock_rate,
    )
    sealer.state["evidence"].update(
        {
            "picture": {"file": JPEG_FILE, "width": width, "height": height},
            "derived": {
                JPEG_FILE: {
                    "from": "t01-00001.ts",
                    "how": f"the last of its {len(gop)} frames decoded "
                    f"({gop[0].codec.mime_type}), encoded as JPEG",
                }
            },
            "frame_at": iso(taken),
        }
    )
    sealer.state["tracks"]["t01"] = {
        "kind": "video",
        "codec": newest.codec.mime_type,
        "clock_rate": newest.codec.clock_rate,
        "container": "mpegts",
        "app_data": {"camera": info.camera_id, "name": info.camera_name, "source": "cctv"},
    }
    sealer.save()
    return sealer


async def finish(sealer: Sealer, key: Ed25519PrivateKey, tsa_url: str | None = None) -> Path:
    await sealer.finish(COMPLETED, key, tsa_url=tsa_url)
    return sealer.directory


# -- clips -------------------------------------------------------------------------------------
_STOP = object()


class CameraClip:
    """A clip of one camera: the pre-roll, then live frames until stop().

    clip = CameraClip(root, metadata, info, segment_duration_s=10)
    clip.start(buffer.follow(clip.push))   # pre-roll now, live frames from here
    ...
    buffer.unfollow(clip.push)
    directory = await clip.stop(key)
    """

    def __init__(
        self,
        root: Path,
        metadata: RecordingMetadata,
        info: CaptureInfo,
        *,
        algorithm: str = "sha256",
        segment_duration_s: float = 10.0,
        max_queue: int = 4000,
        capture_id: str | None = None,
    ) -> None:
        self.id = capture_id or new_id(CLIP)
        self.root = root
        self.info = info
        self.metadata = metadata
        self.algorithm = algorithm
        self.segment_duration_s = segment_duration_s
        self.started_at = time.time()
        self.preroll_s = 0.0
        self.frames = 0
        self.dropped = 0
        self.stopped = False
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._max_queue = max_queue
        self._sealer: Sealer | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def directory(self) -> Path:
        return self.root / self.id

    def start(self, preroll: list[EncodedFrame]) -> None:
        if not preroll:
            raise CaptureError("no video from the camera yet")
        first, last = preroll[0], preroll[-1]
        self.preroll_s = ((last.timestamp - first.timestamp) % 2**32) / first.codec.clock_rate
        info = self.info
        info.extra = {**info.extra, "preroll_s": round(self.preroll_s, 3)}
        self._sealer = _sealer(self.root, self.id, self.metadata, info, self.algorithm)
        self._sealer.state["tracks"]["t01"] = {
            "kind": "video",
            "codec": first.codec.mime_type,
            "clock_rate": first.codec.clock_rate,
            "container": "mpegts",
            "app_data": {"camera": info.camera_id, "name": info.camera_name, "source": "cctv"},
            "preroll_from": iso(wall_clock(first.arrival)),
        }
        self._sealer.save()
        for frame in preroll:
            self.push(frame)
        self._thread = threading.Thread(
            target=self._write, args=(first,), name=f"clip-{self.id}", daemon=True
        )
        self._thread.start()

    def push(self, frame: EncodedFrame) -> None:
        """A frame (pre-roll or live); from the event loop. Bounded: a writer that
        falls this far behind (a stalled disk) loses frames, counted."""
        if self.stopped:
            return
        if self._queue.qsize() >= self._max_queue:
            self.dropped += 1
            return
        self._queue.put(frame)

    def _write(self, first: EncodedFrame) -> None:
        sealer = self._sealer
        assert sealer is not None

        def opened(segment: OpenSegment) -> None:
            sealer.segment_opened(segment.track_id, segment.describe())

        writer = SegmentWriter(
            sealer.directory,
            "t01",
            first.codec,
            segment_duration_s=self.segment_duration_s,
            on_open=opened,
            on_close=lambda segment: _seal_closed(sealer, segment),
        )
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    break
                writer.write(item)
                self.frames += 1
        except BaseException as exc:  # kept for stop() to report
            self._error = exc
            logger.exception("clip %s: writing failed", self.id)
        finally:
            writer.close()

    async def stop(self, key: Ed25519PrivateKey, tsa_url: str | None = None) -> Path:
        """Write what is queued, seal the last segment, sign the manifest."""
        if self.stopped:
            return self.directory
        self.stopped = True
        self._queue.put(_STOP)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
        sealer = self._sealer
        assert sealer is not None
        sealer.state["evidence"].update(
            {
                "preroll_s": round(self.preroll_s, 3),
                "frames": self.frames,
                "frames_dropped": self.dropped,
                "stopped_at": iso(time.time()),
                "error": str(self._error) if self._error else None,
            }
        )
        await asyncio.to_thread(sealer.save)
        await sealer.finish(COMPLETED, key, tsa_url=tsa_url)
        return sealer.directory
