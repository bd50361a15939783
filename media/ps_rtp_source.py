"""PsRtpSource: a camera that sends MPEG-PS over RTP when asked (GB/T 28181 live).

Each session opens a `PsRtpReceiver` on a port, asks the camera to send there
through a `StreamSignaller` (the GB/T 28181 user agent's INVITE/ACK, or a test's
sender), forwards the H.264 access units, and on its end tells the signaller to
stop (BYE). A stall, a TCP disconnect or a codec other than H.264 ends the
session; the supervisor in CameraSource then asks again (a fresh INVITE) with
back-off. media/ knows nothing of SIP: the signaller is all it sees.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from media.camera_source import CameraSource, CameraState, SourceError, SourceOptions
from media.frames import H264, EncodedFrame, MediaCodec
from media.h264 import ParameterSets, profile_level_id
from media.ps_demux import PsFrame
from media.ps_rtp import PsRtpReceiver, RtpStats
from media.transport import DirectTransport

logger = logging.getLogger(__name__)

CLOCK_RATE = 90000


@dataclass(frozen=True, slots=True)
class StreamOffer:
    """Where we receive: the address to put in the SDP, and how."""

    host: str
    port: int
    transport: str  # "udp", or "tcp" (we listen: TCP passive, RFC 4571 framing)


class StreamSignaller(Protocol):
    async def start_stream(self, offer: StreamOffer) -> int | None:
        """Ask the camera to send to `offer`; the SSRC it will use, or None to take
        whatever arrives. Raise SourceError to say why it refused."""

    async def stop_stream(self) -> None:
        """Tell the camera to stop sending (BYE). Must not raise."""

    def request_keyframe(self) -> Any:
        """Ask for a keyframe (GB/T 28181: DeviceControl IFameCmd); may be a no-op."""


@dataclass
class PsRtpOptions(SourceOptions):
    transport: str = "udp"
    host: str = "127.0.0.1"  # where the receiver listens
    announce_host: str | None = None  # the address the camera sends to, if not host
    ports: tuple[int, int] | None = None  # a range to take the port from (firewalls)
    reorder_window: int = 64
    reorder_hold_s: float = 0.1
    signal_timeout_s: float = 10.0
    stop_signal_timeout_s: float = 3.0


class PsRtpSource(CameraSource):
    kind = "ps_rtp"

    def __init__(
        self,
        signaller: StreamSignaller,
        transport: DirectTransport,
        *,
        options: PsRtpOptions | None = None,
        app_data: dict[str, Any] | None = None,
    ) -> None:
        self.ps_options = options or PsRtpOptions()
        super().__init__(transport, options=self.ps_options, app_data=app_data)
        self.signaller = signaller
        self.receiver: PsRtpReceiver | None = None
        self.rtp_stats = RtpStats()  # of the latest session
        self._rtp_done = RtpStats()  # of the sessions before it, summed
        self._ended: asyncio.Future[None] | None = None
        self._params = ParameterSets()
        self._codec: MediaCodec | None = None
        self._next_port = 0

    def rtp_totals(self) -> RtpStats:
        """RTP counters over every session of this source."""
        total = RtpStats(**vars(self._rtp_done))
        for name, value in vars(self.rtp_stats).items():
            if name != "last_packet_at":
                setattr(total, name, getattr(total, name) + value)
        total.last_packet_at = self.rtp_stats.last_packet_at
        return total

    def _keyframe_requester(self) -> Any:
        return self.signaller.request_keyframe

    def stream_ended(self, reason: str) -> None:
        """The signalling side learned the stream is over (the camera sent BYE):
        end the session now rather than wait for the stall check."""
        ended = self._ended
        if ended is not None and not ended.done():
            ended.set_exception(SourceError(CameraState.OFFLINE, reason))

    def _abort_session(self) -> None:
        if self._ended is not None and not self._ended.done():
            self._ended.set_result(None)

    async def _open_receiver(self, generation: int) -> PsRtpReceiver:
        opts = self.ps_options
        attempts = 1 if opts.ports is None else opts.ports[1] - opts.ports[0] + 1
        last_error: OSError | None = None
        for _ in range(attempts):
            port = 0
            if opts.ports is not None:
                port = opts.ports[0] + self._next_port % attempts
                self._next_port += 1
            receiver = PsRtpReceiver(
                on_frame=lambda frame: self._frame(generation, frame),
                on_discontinuity=self._resync,
                transport=opts.transport,
                host=opts.host,
                port=port,
                reorder_window=opts.reorder_window,
                reorder_hold_s=opts.reorder_hold_s,
            )
            try:
                await receiver.open()
                return receiver
            except OSError as error:  # that port is taken: try the next
                last_error = error
        raise SourceError(CameraState.OFFLINE, f"no free media port: {last_error}")

    async def _session(self) -> None:
        loop = asyncio.get_running_loop()
        generation = self.generation
        ended: asyncio.Future[None] = loop.create_future()
        self._ended = ended
        self._params = ParameterSets()
        receiver = await self._open_receiver(generation)
        self.receiver = receiver
        self.rtp_stats = receiver.stats
        opts = self.ps_options
        offer = StreamOffer(opts.announce_host or opts.host, receiver.port, opts.transport)
        asked = False
        try:
            if self._stopping or ended.done():
                return
            asked = True
            try:
                ssrc = await asyncio.wait_for(
                    self.signaller.start_stream(offer), opts.signal_timeout_s
                )
            except TimeoutError:
                raise SourceError(
                    CameraState.UNREACHABLE, "no answer to the stream request"
                ) from None
            receiver.expected_ssrc = ssrc
            lost = receiver.lost
            waiters: set[asyncio.Future[Any]] = {ended, lost}
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            error = ended.exception() if ended.done() else None
            if error is not None:
                raise error
            if lost.done() and not ended.done() and not self._stopping:
                raise SourceError(CameraState.OFFLINE, lost.result())
        finally:
            receiver.close()
            self._ended = None
            for name in ("packets", "bytes", "lost", "late", "reordered", "wrong_ssrc",
                         "malformed", "connections"):  # fmt: skip
                setattr(
                    self._rtp_done,
                    name,
                    getattr(self._rtp_done, name) + getattr(receiver.stats, name),
                )
            self.rtp_stats = RtpStats()
            if asked:
                try:
                    await asyncio.wait_for(self.signaller.stop_stream(), opts.stop_signal_timeout_s)
                except Exception:
                    logger.warning("camera %s: stopping the stream failed", self.id, exc_info=True)

    def _frame(self, generation: int, frame: PsFrame) -> None:
        if generation != self.generation:
            return
        if frame.codec != "h264":
            ended = self._ended
            if ended is not None and not ended.done():
                ended.set_exception(
                    SourceError(
                        CameraState.UNSUPPORTED_CODEC, f"{frame.codec} (only H.264 is forwarded)"
                    )
                )
            return
        data, keyframe = self._params.prepare(frame.data)
        if not data:
            return
        if self.producer is None or self.producer.closed:
            if not keyframe:
                self.stats.waited_for_keyframe += 1
                return
            self._open_producer(self._h264_codec())
        assert self.producer is not None
        ts = 0 if frame.pts is None else frame.pts
        self._deliver(generation, EncodedFrame(data, ts, self.producer.codec, keyframe=keyframe))

    def _h264_codec(self) -> MediaCodec:
        parameters: dict[str, str | int] = {"packetization-mode": 1, "level-asymmetry-allowed": 1}
        plid = profile_level_id(self._params.sps) if self._params.sps else None
        if plid:
            parameters["profile-level-id"] = plid
        return MediaCodec(H264, CLOCK_RATE, parameters=parameters)
