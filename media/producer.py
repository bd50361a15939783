"""Producer: one incoming track (camera, mic, WHIP publisher, RTSP camera)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from media._aiortc_codecs import Packetizer
from media.counters import MediaCounters
from media.frames import EncodedFrame, MediaCodec
from media.layer_frames import LayerFrames
from media.observer import EventEmitter
from media.rtp import RtpPacketLike, keyframe_start

if TYPE_CHECKING:
    from media.consumer import Consumer
    from media.pipe import PipeLink

logger = logging.getLogger(__name__)

# Called to ask the source for a keyframe (a PLI for a WebRTC publisher). May
# return an awaitable, which is scheduled.
KeyframeRequester = Callable[[], Any]

ANY_LAYER = -1  # a keyframe request any layer's keyframe answers


class Producer:
    """Fans media out to its consumers. Created only by a transport.

    Two kinds of source: a WebRTC publisher's RTP packets (`_receive_rtp`, from
    the publish PC's tap) and whole encoded frames (`send`, camera ingest and
    other DirectTransport producers). Two kinds of consumer: packet consumers
    (WebRTC subscribers: packets as they came, rewritten per subscriber) and
    frame consumers (`recv_frame()`: the recorder, snapshots). Conversions are
    made once per producer and only while needed: a FrameAssembler while a packet
    source has frame consumers, a Packetizer while a frame source has packet
    consumers.

    Events on `observer`: "close", "pause", "resume". A producer closed because
    its transport closed also emits "transportclose" on itself.
    """

    def __init__(
        self,
        *,
        codec: MediaCodec,
        counters: MediaCounters,
        keyframe_requester: KeyframeRequester | None,
        keyframe_interval_s: float,
        on_close: Callable[[Producer], None],
        app_data: dict[str, Any] | None = None,
        group: str | None = None,
        layers: list[str] | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.codec = codec
        self.kind = codec.kind
        # Producers of one group share a clock (one publisher's audio and video):
        # a subscriber gets them as one media stream, so its browser lip-syncs them.
        self.group = group or self.id
        # Simulcast: the rids of its encodings, lowest first; [] for one encoding.
        self.layers: list[str] = list(layers or [])
        self.layer_count = max(1, len(self.layers))
        self.layer_rates: list[float] = [0.0] * self.layer_count  # bits/s, last second
        self._layer_bytes = [0] * self.layer_count
        self._layer_seen = [-1e9] * self.layer_count  # last packet, monotonic
        self._rates_at = time.monotonic()
        # what frame consumers get: the highest layer being sent
        self._frames = LayerFrames(codec, self.layer_count - 1)
        self.app_data: dict[str, Any] = dict(app_data or {})
        self.observer = EventEmitter()
        self.events = EventEmitter()
        self.closed = False
        self.paused = False
        self.keyframe_requests_sent = 0  # PLIs actually sent upstream
        self.keyframe_requests_coalesced = 0  # asked for within the interval, folded in
        # The latest RTCP sender report: (RTP timestamp, sender's wall clock, Unix s).
        # Maps this producer's timestamps onto the clock its sender shares between
        # its audio and video (lip sync); None until one arrives (DirectTransport never).
        self.sender_clock: tuple[int, float] | None = None
        # Per source SSRC: (RTP timestamp, sender's wall clock Unix s, our monotonic
        # time when the report arrived): consumers derive their own reports from it.
        self.sender_reports: dict[int, tuple[int, float, float]] = {}
        self._counters = counters
        self._mime = codec.mime_type.lower()
        self._is_video = self.kind == "video"
        self._rtp_consumers: dict[str, Consumer] = {}
        self._frame_consumers: dict[str, Consumer] = {}
        self._packetizer: Packetizer | None = None
        self._requester = keyframe_requester
        self._interval = keyframe_interval_s
        self._last_request = -1e9
        # layers (or ANY_LAYER) asked for whose keyframe has not come since
        self._awaiting: set[int] = set()
        self._answered = False  # every layer asked for has sent a keyframe since
        self._timer: asyncio.TimerHandle | None = None
        self._pending: set[asyncio.Future[Any]] = set()
        self._consumers: dict[str, Consumer] = {}
        # the GOP being sent (keep_gop()): a consumer that asks may start from it
        self._gop: list[EncodedFrame] | None = None
        self._gop_max = 0
        self.pipes: dict[str, PipeLink] = {}  # target router id -> pipe (media/pipe.py)
        self._on_close = on_close
        counters.producers += 1

    @property
    def consumers(self) -> list[Consumer]:
        return list(self._consumers.values())

    # -- hot path -------------------------------------------------------------
    def send(self, frame: EncodedFrame) -> None:
        """A frame source's next encoded frame: to frame consumers as it is, to
        packet consumers packetised once."""
        if self.closed or self.paused:
            return
        self._counters.received_frames += 1
        if frame.keyframe and self._awaiting:
            self._keyframe_arrived(0)
        gop = self._gop
        if gop is not None:
            if frame.keyframe:
                self._gop = [frame]
            elif gop and len(gop) < self._gop_max:
                gop.append(frame)
            else:
                gop.clear()  # longer than we keep: no start from the cache until the next
        for pipe in self.pipes.values():
            pipe.on_frame(frame)
        for consumer in self._frame_consumers.values():
            consumer._push(frame)
        if self._rtp_consumers:
            if self._packetizer is None:
                self._packetizer = Packetizer(self.codec.mime_type, self.codec.clock_rate)
            packets = self._packetizer.packetize(frame.data, frame.timestamp)
            if not frame.keyframe and packets:
                self._prime_waiting(packets[0])
            first = True
            for packet in packets:
                self._fan_out(packet, frame.keyframe if first else False, frame.arrival)
                first = False

    def _receive_rtp(self, packet: RtpPacketLike, layer: int = 0) -> None:
        """A WebRTC publisher's next RTP packet (RTX unwrapped, after SRTP) of
        simulcast layer `layer`."""
        if self.closed or self.paused:
            return
        arrival = time.monotonic()
        self._counters.received_packets += 1
        self._layer_bytes[layer] += len(packet.payload)
        self._layer_seen[layer] = arrival
        if arrival - self._rates_at >= 1.0:
            self._update_rates(arrival)
        for pipe in self.pipes.values():
            pipe.on_rtp(packet, layer)
        kf = keyframe_start(self._mime, packet.payload) if self._is_video else True
        if kf and self._awaiting:
            self._keyframe_arrived(layer)
        self._fan_out(packet, kf, arrival, layer)
        if self._frame_consumers and layer == self._frames.layer:
            frames, lost = self._frames.add(packet)
            if lost:
                self.request_keyframe(self._frames.layer)
            for frame in frames:
                self._counters.received_frames += 1
                for consumer in self._frame_consumers.values():
                    consumer._push(frame)

    def _fan_out(
        self, packet: RtpPacketLike, keyframe: bool, arrival: float, layer: int = 0
    ) -> None:
        for consumer in self._rtp_consumers.values():
            consumer._push_rtp(packet, keyframe, arrival, layer)

    # -- simulcast layers -----------------------------------------------------------
    def active_layers(self, now: float | None = None) -> list[int]:
        """Layers with a packet in the last 1.5 s, ascending (a browser stops its
        higher layers when its bandwidth estimate or CPU falls short)."""
        now = time.monotonic() if now is None else now
        return [i for i, seen in enumerate(self._layer_seen) if now - seen < 1.5]

    def _update_rates(self, now: float) -> None:
        elapsed = now - self._rates_at
        self._rates_at = now
        self.layer_rates = [8 * b / elapsed for b in self._layer_bytes]
        self._layer_bytes = [0] * self.layer_count
        if self.layer_count > 1:
            active = self.active_layers(now)
            if active and self._frames.layer not in active:
                self._frames.switch(max(active))  # (from its next keyframe on)
            for consumer in self._rtp_consumers.values():
                consumer._layers_changed()

    def _prime_waiting(self, first: RtpPacketLike) -> None:
        """Packet consumers waiting for a keyframe that asked to start from the kept
        GOP (SQUEEZE) get the GOP before this frame as packets: sequence numbers
        just before `first` (this frame's first packet), timestamps 1 tick apart
        just behind it, so they show "now" at once and continue live."""
        gop = self._gop
        if not gop or len(gop) < 2:
            return
        waiting = [c for c in self._rtp_consumers.values() if c.wants_prime]
        if not waiting:
            return
        earlier = gop[:-1]  # the last is the frame being sent
        packetizer = Packetizer(self.codec.mime_type, self.codec.clock_rate)
        packets: list[RtpPacketLike] = []
        n = len(earlier)
        for i, frame in enumerate(earlier):
            packets.extend(packetizer.packetize(frame.data, first.timestamp - (n - i)))
        base = first.sequence_number - len(packets)
        for i, packet in enumerate(packets):
            packet.sequence_number = (base + i) & 0xFFFF
            packet.ssrc = first.ssrc
        for consumer in waiting:
            consumer._prime_rtp(packets, n)

    def keep_gop(self, max_frames: int = 250) -> None:
        """Keep the GOP being sent, so a viewer that starts (or lost its picture) can
        begin at once from its keyframe instead of waiting for the next one: for
        sources that can't be asked for a keyframe (RTSP cameras). Consumers opt in
        (`prime=True`); recorders never start from the past."""
        self._gop = []
        self._gop_max = max_frames

    @property
    def cached_gop(self) -> list[EncodedFrame]:
        """The kept GOP (keyframe first), or [] (none kept, or not keeping)."""
        return list(self._gop) if self._gop else []

    # -- keyframes --------------------------------------------------------------
    @property
    def frames_layer(self) -> int:
        """The simulcast layer frame consumers get (0 for one encoding)."""
        return self._frames.layer

    def request_keyframe(self, layer: int | None = None, *, start: bool = False) -> None:
        """Ask the source for a keyframe (of simulcast layer `layer`; None: any):
        at most one request per interval, requests within it coalesced into one
        sent when it ends. A consumer that is starting (`start`: new, resumed,
        switching layer) need not wait for the interval once keyframes of every
        layer asked for have come: a screen that shows one room after another, or
        people joining one after another, wait for the publisher, not for the
        interval. Repairs (a subscriber's PLI) keep the interval, so lossy
        subscribers cannot fill a phone's uplink with keyframes; and a request for
        a layer that never comes is never answered."""
        if self.closed or self._requester is None or self.kind != "video":
            return
        self._awaiting.add(ANY_LAYER if layer is None else layer)
        if start and self._answered:
            if self._timer is not None:  # (a repair held back: this one serves it)
                self._timer.cancel()
                self._timer = None
            self._send_keyframe_request()
            return
        if self._timer is not None:
            self.keyframe_requests_coalesced += 1
            return
        wait = self._last_request + self._interval - time.monotonic()
        if wait <= 0:
            self._send_keyframe_request()
        else:
            self.keyframe_requests_coalesced += 1
            self._timer = asyncio.get_running_loop().call_later(wait, self._timer_fired)

    def _timer_fired(self) -> None:
        self._timer = None
        if not self.closed:
            self._send_keyframe_request()

    def _keyframe_arrived(self, layer: int) -> None:
        awaiting = self._awaiting
        awaiting.discard(layer)
        awaiting.discard(ANY_LAYER)
        if awaiting:
            return
        self._answered = True  # a starting consumer's next request need not wait
        if self._timer is not None:  # (what it would ask for has just come)
            self._timer.cancel()
            self._timer = None

    def _send_keyframe_request(self) -> None:
        assert self._requester is not None
        now = self._last_request = time.monotonic()
        self._answered = False
        if self.layer_count > 1:  # a layer the publisher stopped sending won't answer
            active = self.active_layers(now)
            self._awaiting = {x for x in self._awaiting if x == ANY_LAYER or x in active}
        self.keyframe_requests_sent += 1
        self._counters.keyframe_requests += 1
        try:
            result = self._requester()
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._pending.add(task)
                task.add_done_callback(self._pending.discard)
        except Exception:
            logger.exception("producer %s: keyframe request failed", self.id)

    # -- pause ------------------------------------------------------------------
    def pause(self) -> None:
        if not self.closed and not self.paused:
            self.paused = True
            self.observer.emit("pause")

    def resume(self) -> None:
        if not self.closed and self.paused:
            self.paused = False
            self.observer.emit("resume")
            for consumer in self._consumers.values():
                consumer._wait_for_keyframe()

    # -- children ---------------------------------------------------------------
    def _add_consumer(self, consumer: Consumer) -> None:
        self._consumers[consumer.id] = consumer
        if consumer.takes_packets:
            self._rtp_consumers[consumer.id] = consumer
        else:
            self._frame_consumers[consumer.id] = consumer

    def _remove_consumer(self, consumer: Consumer) -> None:
        self._consumers.pop(consumer.id, None)
        self._rtp_consumers.pop(consumer.id, None)
        self._frame_consumers.pop(consumer.id, None)
        if not self._frame_consumers:
            self._frames = LayerFrames(self.codec, self._frames.layer)
        if not self._rtp_consumers:
            self._packetizer = None

    def note_sender_report(self, ssrc: int, rtp_timestamp: int, unix_s: float) -> None:
        """An RTCP sender report from the source (for lip sync downstream)."""
        self.sender_reports[ssrc] = (rtp_timestamp, unix_s, time.monotonic())
        on_timeline = self._frames.timeline(ssrc, rtp_timestamp)
        if on_timeline is not None:
            self.sender_clock = (on_timeline, unix_s)
        for pipe in self.pipes.values():
            pipe.on_sender_report(ssrc, rtp_timestamp, unix_s)

    # -- close --------------------------------------------------------------------
    def close(self) -> None:
        """Close this producer: its consumers end ("producerclose")."""
        self._close(notify_parent=True)

    def _transport_closed(self) -> None:
        if self._close(notify_parent=False):
            self.events.emit("transportclose")

    def _close(self, *, notify_parent: bool) -> bool:
        if self.closed:
            return False
        self.closed = True
        self._counters.producers -= 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for consumer in list(self._consumers.values()):
            consumer._producer_closed()
        self._consumers.clear()
        for pipe in list(self.pipes.values()):
            pipe.on_close()
        self.pipes.clear()
        self._rtp_consumers.clear()
        self._frame_consumers.clear()
        self._packetizer = None
        if notify_parent:
            self._on_close(self)
        self.observer.emit("close")
        return True

    def __repr__(self) -> str:
        return f"Producer({self.id[:8]} {self.codec.mime_type}{' closed' if self.closed else ''})"
