"""Transcoder: an H.264 copy of an H.265 camera, for viewers that can't decode H.265.

The explicit, opt-in, capped exception to "forwarding never decodes" (DESIGN.md):
browsers reached over WebRTC here can't take H.265 (aiortc sends no H.265, and
Chromium decodes it only with a hardware decoder), so a camera that sends H.265
gets one Transcoder, shared by every room and wall that shows it. The original
H.265 still goes, untouched, where it can (evidence clips and snapshots).

    transcoder = Transcoder(h265_producer, transport)      # transport: a DirectTransport
    transcoder.producer                                    # video/H264, constrained baseline
    await transcoder.close()

Decoding and encoding run in a worker thread of its own (FFmpeg releases the GIL
while it works; the event loop only hands frames over). The queue to the worker is
bounded: a worker that falls behind drops to the camera's next keyframe. The H.264
side is ours, so a keyframe request is answered at once (the next frame is encoded
as an IDR) instead of waiting for the camera's GOP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av

from media.consumer import REPLAY, Consumer, ConsumerClosed
from media.frames import H264, EncodedFrame, MediaCodec
from media.producer import Producer
from media.transport import DirectTransport

logger = logging.getLogger(__name__)

H264_OUT = MediaCodec(
    H264,
    90000,
    parameters={
        "packetization-mode": 1,
        "level-asymmetry-allowed": 1,
        "profile-level-id": "42e01f",
    },
)
_STOP = object()


@dataclass
class TranscodeOptions:
    bitrate: int = 1_000_000  # bits per second of the H.264 copy
    keyframe_interval: int = 50  # frames between IDRs (viewers may also ask for one)
    max_queue: int = 50  # frames waiting for the worker before it drops to a keyframe


@dataclass
class TranscodeStats:
    frames_in: int = 0
    frames_out: int = 0
    dropped: int = 0  # frames the worker could not keep up with
    failed: int = 0  # frames the decoder or encoder refused
    cpu_s: float = 0.0  # the worker thread's CPU time


class Transcoder:
    def __init__(
        self,
        upstream: Producer,
        transport: DirectTransport,
        *,
        options: TranscodeOptions | None = None,
        app_data: dict[str, Any] | None = None,
    ) -> None:
        self.options = options or TranscodeOptions()
        self.stats = TranscodeStats()
        self.closed = False
        self.upstream = upstream
        self._loop = asyncio.get_running_loop()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._want_keyframe = threading.Event()
        self._dropping = False
        self.producer = transport.produce(
            H264_OUT,
            keyframe_requester=self._want_keyframe.set,
            app_data={**(app_data or {}), "transcoded_from": upstream.codec.mime_type},
        )
        # start from the camera's current GOP (when kept) instead of its next keyframe
        self._consumer: Consumer = transport.consume(
            upstream, app_data={"role": "transcoder"}, prime=REPLAY
        )
        self._thread = threading.Thread(target=self._work, name="transcoder", daemon=True)
        self._thread.start()
        self._feed = self._loop.create_task(self._pump())

    # -- the event loop side -------------------------------------------------------------
    async def _pump(self) -> None:
        with contextlib.suppress(ConsumerClosed):
            while True:
                frame = await self._consumer.recv_frame()
                self.stats.frames_in += 1
                if self._queue.qsize() >= self.options.max_queue:
                    self._dropping = True  # behind: wait for the camera's next keyframe
                if self._dropping:
                    if not frame.keyframe:
                        self.stats.dropped += 1
                        continue
                    self._dropping = False
                self._queue.put(frame)
        await self.close()

    def _deliver(self, data: bytes, timestamp: int, keyframe: bool, arrival: float) -> None:
        if not self.closed and not self.producer.closed:
            self.stats.frames_out += 1
            self.producer.send(EncodedFrame(data, timestamp, H264_OUT, keyframe, arrival))

    # -- the worker thread ------------------------------------------------------------------
    def _work(self) -> None:
        decoder = av.CodecContext.create("hevc", "r")
        decoder.thread_count = 1
        encoder: Any = None
        started = time.thread_time()
        arrivals: dict[int, tuple[int, float]] = {}  # pts -> (timestamp, arrival)
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    break
                frame: EncodedFrame = item
                packet = av.Packet(frame.data)
                packet.pts = frame.timestamp
                packet.time_base = Fraction(1, 90000)
                arrivals[frame.timestamp] = (frame.timestamp, frame.arrival)
                if len(arrivals) > 256:
                    arrivals.pop(next(iter(arrivals)))
                try:
                    pictures = decoder.decode(packet)
                except av.error.FFmpegError:
                    self.stats.failed += 1
                    continue
                for picture in pictures:
                    if encoder is None:
                        encoder = self._encoder(picture.width, picture.height)
                    if self._want_keyframe.is_set():
                        self._want_keyframe.clear()
                        picture.pict_type = av.video.frame.PictureType.I
                    else:
                        picture.pict_type = av.video.frame.PictureType.NONE
                    pts = picture.pts if picture.pts is not None else frame.timestamp
                    picture.pts = pts
                    for out in encoder.encode(picture):
                        ts, arrival = arrivals.get(out.pts, (out.pts, time.monotonic()))
                        self._loop.call_soon_threadsafe(
                            self._deliver, bytes(out), ts, bool(out.is_keyframe), arrival
                        )
                self.stats.cpu_s = time.thread_time() - started
        except Exception:
            logger.exception("transcoder failed")
        finally:
            self.stats.cpu_s = time.thread_time() - started

    def _encoder(self, width: int, height: int) -> Any:
        encoder = av.CodecContext.create("libx264", "w")
        encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
        encoder.time_base = Fraction(1, 90000)
        encoder.bit_rate = self.options.bitrate
        encoder.thread_count = 1
        keyint = self.options.keyframe_interval
        encoder.options = {
            "profile": "baseline",
            "preset": "ultrafast",
            "tune": "zerolatency",
            "level": "3.1",
            # SPS/PPS in front of every IDR: a viewer can start at any of them
            "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0:repeat-headers=1",
        }
        return encoder

    # -- close ------------------------------------------------------------------------------
    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._consumer.close()
        if self._feed is not asyncio.current_task():
            self._feed.cancel()
        self._queue.put(_STOP)
        await asyncio.to_thread(self._thread.join, 5)
        self.producer.close()
