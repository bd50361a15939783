"""RtspSource: an RTSP camera pulled with PyAV (demux only, never decoded).

Each session runs PyAV's blocking open/read in a thread of its own (not the
default executor: a hundred cameras would starve it) and hands access units to
the event loop with call_soon_threadsafe. TCP interleaving by default, UDP as an
option. H.264 only: SPS/PPS from the SDP's sprop-parameter-sets (FFmpeg's
extradata) or from the stream go in front of every IDR. Every FFmpeg failure is
classified into a CameraState (see `classify_error`); socket I/O has a timeout,
so a camera that stops sending ends the read within `io_timeout_s`.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import av
import av.error

from media.camera_source import CameraSource, CameraState, SourceError, SourceOptions
from media.frames import H264, H265, EncodedFrame, MediaCodec
from media.h264 import ParameterSets, profile_level_id
from media.h265 import HevcParameterSets
from media.transport import DirectTransport

logger = logging.getLogger(__name__)

CLOCK_RATE = 90000


@dataclass
class RtspOptions(SourceOptions):
    transport: str = "tcp"  # "tcp" (interleaved) or "udp"
    open_timeout_s: float = 5.0  # connect + DESCRIBE/SETUP/PLAY + probing
    io_timeout_s: float = 1.5  # one socket read (FFmpeg waits about twice this)
    probe_s: float = 0.5  # how long FFmpeg looks at the stream before the first frame
    extra_options: dict[str, str] = field(default_factory=dict)  # more FFmpeg options
    # take H.265 too (a producer of video/H265; browsers get it through a transcoder);
    # False: H.265 is `unsupported_codec`
    h265: bool = False


def redact_url(url: str) -> str:
    """The URL without its password, for logs and messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def check_url(url: str) -> None:
    """Refuse what FFmpeg should never be asked to open (files, other protocols)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise SourceError(CameraState.BAD_URL, str(error)) from None
    if parts.scheme.lower() not in ("rtsp", "rtsps") or not parts.hostname:
        raise SourceError(CameraState.BAD_URL, "expected rtsp://host[:port]/path")
    if port == 0:
        raise SourceError(CameraState.BAD_URL, "port 0")


def classify_error(error: BaseException) -> SourceError:
    """An FFmpeg/OS error as the camera state it means."""
    text = str(getattr(error, "strerror", None) or error)
    if isinstance(error, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError):
        return SourceError(CameraState.AUTH_FAILED, text)
    if isinstance(error, av.error.HTTPNotFoundError):
        return SourceError(CameraState.NOT_FOUND, text)
    if isinstance(error, av.error.HTTPClientError):
        return SourceError(CameraState.BAD_URL, text)
    code = getattr(error, "errno", None)
    if isinstance(error, ConnectionRefusedError) or code in (
        errno.ECONNREFUSED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
    ):
        return SourceError(CameraState.UNREACHABLE, text)
    if isinstance(error, TimeoutError) or code == errno.ETIMEDOUT:
        return SourceError(CameraState.UNREACHABLE, f"timed out: {text}")
    if isinstance(error, av.error.ExitError):  # PyAV's own open/read timeout
        return SourceError(CameraState.UNREACHABLE, "timed out")
    if code == errno.EIO and "Input/output" in text:  # DNS failure, connect failure
        return SourceError(CameraState.UNREACHABLE, text)
    return SourceError(CameraState.UNREACHABLE, f"{type(error).__name__}: {text}")


class RtspSource(CameraSource):
    kind = "rtsp"

    def __init__(
        self,
        url: str,
        transport: DirectTransport,
        *,
        options: RtspOptions | None = None,
        app_data: dict[str, Any] | None = None,
    ) -> None:
        self.rtsp_options = options or RtspOptions()
        super().__init__(transport, options=self.rtsp_options, app_data=app_data)
        self.url = url
        self._stop_thread: threading.Event | None = None

    @property
    def public_url(self) -> str:
        return redact_url(self.url)

    def _abort_session(self) -> None:
        if self._stop_thread is not None:
            self._stop_thread.set()

    async def _session(self) -> None:
        check_url(self.url)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        stop = threading.Event()
        self._stop_thread = stop
        generation = self.generation
        if self._stopping:
            return

        def finish(error: BaseException | None) -> None:
            if done.done():
                return
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)

        def post(call: Any, *args: Any) -> None:
            try:
                loop.call_soon_threadsafe(call, *args)
            except RuntimeError:  # the loop is closed: nobody listens any more
                stop.set()

        def run() -> None:
            error: BaseException | None = None
            try:
                self._pull(stop, generation, post)
            except BaseException as exc:
                error = exc
            post(finish, error)

        thread = threading.Thread(target=run, name=f"rtsp-{self.id[:8]}", daemon=True)
        thread.start()
        try:
            await done
        finally:
            stop.set()
            if self._stop_thread is stop:
                self._stop_thread = None

    # -- the pulling thread ------------------------------------------------------------
    def _open(self) -> Any:
        opts = self.rtsp_options
        options = {
            "rtsp_transport": opts.transport,
            "timeout": str(int(opts.io_timeout_s * 1_000_000)),  # socket I/O, microseconds
            "analyzeduration": str(int(opts.probe_s * 1_000_000)),
            "probesize": "500000",
            "fflags": "nobuffer",
            "allowed_media_types": "video",
            **opts.extra_options,
        }
        try:
            return av.open(
                self.url,
                options=options,
                timeout=(opts.open_timeout_s, opts.io_timeout_s * 3),
            )
        except av.error.FFmpegError as error:
            raise classify_error(error) from None
        except OSError as error:
            raise classify_error(error) from None

    def _pull(self, stop: threading.Event, generation: int, post: Any) -> None:
        started = time.monotonic()
        container = self._open()
        try:
            if stop.is_set():
                return
            streams = container.streams.video
            if not streams:
                raise SourceError(CameraState.UNSUPPORTED_CODEC, "the stream has no video")
            stream = streams[0]
            name = stream.codec_context.name
            params: Any
            if name == "hevc" and self.rtsp_options.h265:
                params = HevcParameterSets(stream.codec_context.extradata)
                codec = MediaCodec(H265, CLOCK_RATE)
            elif name == "h264":
                params = ParameterSets(stream.codec_context.extradata)
                codec = _h264_codec(params)
            else:
                taken = "H.264 and H.265" if self.rtsp_options.h265 else "H.264"
                raise SourceError(CameraState.UNSUPPORTED_CODEC, f"{name} (only {taken} is taken)")
            logger.debug(
                "camera %s: opened %s in %.2f s",
                self.id,
                self.public_url,
                time.monotonic() - started,
            )
            post(self._open_producer_for, generation, codec)
            self._read(container, stream, params, codec, stop, generation, post)
        finally:
            try:
                container.close()
            except Exception:  # closing a broken connection: nothing to save
                logger.debug("camera %s: close failed", self.id, exc_info=True)

    def _read(
        self,
        container: Any,
        stream: Any,
        params: Any,
        codec: MediaCodec,
        stop: threading.Event,
        generation: int,
        post: Any,
    ) -> None:
        time_base: Fraction = stream.time_base or Fraction(1, CLOCK_RATE)
        rate = stream.average_rate or stream.guessed_rate or 25
        step = int(CLOCK_RATE / rate) if rate else CLOCK_RATE // 25
        last_ts: int | None = None
        try:
            for packet in container.demux(stream):
                if stop.is_set():
                    return
                if packet.size == 0:
                    continue  # the demuxer's end-of-stream flush packet
                data, keyframe = params.prepare(bytes(packet))
                if not data:
                    continue
                pts = packet.pts if packet.pts is not None else packet.dts
                if pts is None:
                    ts = (last_ts + step) if last_ts is not None else 0
                else:
                    ts = int(pts * time_base * CLOCK_RATE)
                last_ts = ts
                frame = EncodedFrame(data, ts, codec, keyframe=keyframe)
                post(self._deliver, generation, frame)
        except av.error.FFmpegError as error:
            if stop.is_set():
                return
            failure = classify_error(error)
            raise SourceError(CameraState.OFFLINE, failure.detail) from None
        if not stop.is_set():
            raise SourceError(CameraState.OFFLINE, "the camera ended the stream")

    def _open_producer_for(self, generation: int, codec: MediaCodec) -> None:
        if generation == self.generation and not self._stopping and not self.closed:
            self._open_producer(codec)


def _h264_codec(params: ParameterSets) -> MediaCodec:
    parameters: dict[str, str | int] = {"packetization-mode": 1, "level-asymmetry-allowed": 1}
    plid = profile_level_id(params.sps) if params.sps else None
    if plid:
        parameters["profile-level-id"] = plid
    return MediaCodec(H264, CLOCK_RATE, parameters=parameters)
