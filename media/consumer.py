"""Consumer: one outgoing copy of a producer to one subscriber."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from media.counters import MediaCounters
from media.errors import InvalidStateError
from media.frames import EncodedFrame
from media.layer_selector import LayerSelector
from media.observer import EventEmitter
from media.producer import Producer
from media.rtp import RtpPacketLike

if TYPE_CHECKING:
    from media.rtp_stream import OutboundStream

# How a consumer may start from its producer's kept GOP (Producer.keep_gop) instead of
# waiting for the next keyframe: SQUEEZE (a viewer: the GOP's timestamps drawn together
# just behind the newest, so it shows "now" at once and doesn't fall behind live), or
# REPLAY (a pipe: the frames as they were, timestamps and all).
SQUEEZE, REPLAY = "squeeze", "replay"


class ConsumerClosed(Exception):
    """recv_frame() on a consumer that is closed and drained."""


class Consumer:
    """One subscriber's copy of a producer, in one of two forms.

    Packet consumers (`takes_packets`, WebRTC subscribers) pass the producer's
    RTP packets to the OutboundStream of their subscribe m-line as they arrive:
    nothing is queued; a video consumer starts (and restarts after a pause) at
    a keyframe's first packet and asks the producer for one meanwhile.

    Frame consumers (`recv_frame()`: the recorder, snapshots) queue whole frames,
    bounded. A video consumer drops frames until a keyframe (at start, after
    resume and after an overflow) and asks the producer for one. The queue never
    holds more than `queue_frames`: on overflow a video consumer drops everything
    and waits for the next keyframe; an audio consumer drops the oldest frame. A
    slow consumer therefore costs bounded memory and never slows the others.

    Events: "producerclose" / "transportclose" (closed by a parent), on
    `observer`: "close", "pause", "resume".
    """

    def __init__(
        self,
        producer: Producer,
        *,
        counters: MediaCounters,
        queue_frames: int,
        on_close: Callable[[Consumer], None],
        app_data: dict[str, Any] | None = None,
        paused: bool = False,
        prime: str | None = None,
        takes_packets: bool = False,
    ) -> None:
        if queue_frames < 2:
            raise ValueError("queue_frames must be at least 2")
        self.id = uuid.uuid4().hex
        self.producer_id = producer.id
        self.kind = producer.kind
        self.codec = producer.codec
        self.app_data: dict[str, Any] = dict(app_data or {})
        self.observer = EventEmitter()
        self.events = EventEmitter()
        self.closed = False
        self.paused = paused
        self.takes_packets = takes_packets
        # the subscribe m-line this packet consumer feeds (set by PeerTransport)
        self.stream: OutboundStream | None = None
        self.dropped_frames = 0
        self.delivered_frames = 0
        self.delivered_packets = 0
        # seconds from arrival at the hub to hand-off to the sender, recent frames
        self.delays: deque[float] = deque(maxlen=256)
        self._producer = producer
        self._counters = counters
        self._capacity = queue_frames
        self._queue: deque[EncodedFrame] = deque()
        self._is_video = producer.kind == "video"
        self._need_keyframe = self._is_video
        self._restart = True  # packet consumers: (re)start the outbound stream
        self._source_ssrc: int | None = None
        # simulcast: the layer being forwarded and the one we switch to at its
        # next keyframe (equal when no switch is pending)
        self._selector = LayerSelector(producer.layer_count)
        self.current_layer: int | None = None
        self.target_layer = producer.layer_count - 1
        self._waiter: asyncio.Future[None] | None = None
        if prime not in (None, SQUEEZE, REPLAY):
            raise ValueError(f"prime must be None, {SQUEEZE!r} or {REPLAY!r}")
        self._prime = prime
        self.primed_frames = 0
        self._on_close = on_close
        counters.consumers += 1
        producer._add_consumer(self)
        if not paused:
            if prime is not None and not takes_packets and self._start_from_cache():
                pass
            else:
                self._ask_for_keyframe()

    @property
    def producer_paused(self) -> bool:
        return self._producer.paused

    @property
    def queued(self) -> int:
        return len(self._queue)

    # -- hot path ---------------------------------------------------------------
    def _push_rtp(
        self, packet: RtpPacketLike, keyframe: bool, arrival: float, layer: int = 0
    ) -> None:
        if self.paused or self.closed:
            return
        stream = self.stream
        if stream is None or not stream.ready:
            return
        if self._restart or layer != self.current_layer or packet.ssrc != self._source_ssrc:
            # starting, resuming, switching layer, or the publisher restarted its
            # stream: only from a keyframe of the target layer on
            if layer != self.target_layer:
                return
            if not keyframe:
                # keep asking while we wait: a lost PLI must not starve this consumer
                # (the producer rate-limits and coalesces these requests)
                self._ask_for_keyframe()
                return
            if self.current_layer is not None and layer != self.current_layer:
                self.observer.emit("layerchange", layer)
            self._restart = False
            self.current_layer = layer
            self._source_ssrc = packet.ssrc
            stream.restart(packet)
        if stream.send(packet):
            self.delivered_packets += 1
            self._counters.forwarded_packets += 1
            self._counters.forwarded_bytes += len(packet.payload)
            self.delays.append(time.monotonic() - arrival)

    @property
    def wants_prime(self) -> bool:
        """A packet consumer waiting for a keyframe that may start from its
        producer's kept GOP instead (Producer.keep_gop; see _prime_rtp)."""
        stream = self.stream
        return (
            self._prime == SQUEEZE
            and self._restart
            and not self.paused
            and not self.closed
            and stream is not None
            and stream.ready
        )

    def _prime_rtp(self, packets: list[RtpPacketLike], frames: int) -> None:
        """Start from the kept GOP, packetized by the producer with timestamps drawn
        together just behind the frame being sent and sequence numbers just before
        its first packet: the live packets follow on without a gap."""
        stream = self.stream
        if stream is None or not packets:
            return
        self._restart = False
        self.current_layer = 0
        self._source_ssrc = packets[0].ssrc
        stream.restart(packets[0])
        for packet in packets:
            if stream.send(packet):
                self.delivered_packets += 1
                self._counters.forwarded_packets += 1
                self._counters.forwarded_bytes += len(packet.payload)
        self.primed_frames += frames

    # -- simulcast layers -------------------------------------------------------------
    def set_preferred_layer(self, layer: int | None) -> None:
        """Forward simulcast layer `layer` (0: the lowest; None: the highest) when
        the publisher sends it and the subscriber's bandwidth allows; switches at
        the next keyframe of that layer."""
        self._selector.prefer(layer)
        self._layers_changed()

    @property
    def preferred_layer(self) -> int | None:
        return self._selector.preferred

    @property
    def layer_count(self) -> int:
        """Simulcast layers its producer has (1: a single encoding)."""
        return self._producer.layer_count

    def _layers_changed(self) -> None:
        """Preference, bandwidth or the publisher's active layers changed."""
        if self.kind != "video" or self._producer.layer_count < 2:
            return
        now = time.monotonic()
        target = self._selector.target(self._producer.active_layers(now), now)
        if target != self.target_layer:
            self.target_layer = target
            if target != self.current_layer:
                self._ask_for_keyframe()

    def _feedback(self, stream: OutboundStream, *, report: bool) -> None:
        """The subscriber sent a receiver report (`report`) or a bandwidth
        estimate: a layer that does not fit goes down, and is retried later."""
        if self._producer.layer_count < 2:
            return
        self._selector.feedback(
            current=self.current_layer,
            rates=self._producer.layer_rates,
            remb_bps=None if report else stream.remb_bps,
            fraction_lost=stream.fraction_lost / 256 if report else None,
            now=time.monotonic(),
        )
        self._layers_changed()

    def _push(self, frame: EncodedFrame) -> None:
        if self.paused or self.closed:
            return
        if self._need_keyframe:
            if not frame.keyframe:
                self._drop(1)
                # keep asking while we wait: a lost PLI must not starve this consumer
                # (the producer rate-limits and coalesces these requests)
                self._ask_for_keyframe()
                return
            self._need_keyframe = False
        queue = self._queue
        if len(queue) >= self._capacity:
            if self._is_video:
                self._drop(len(queue))
                queue.clear()
                if not frame.keyframe:
                    self._drop(1)
                    self._wait_for_keyframe()
                    return
            else:
                self._drop(1)
                queue.popleft()
        queue.append(frame)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _drop(self, n: int) -> None:
        self.dropped_frames += n
        self._counters.dropped_frames += n

    async def recv_frame(self) -> EncodedFrame:
        """The next frame; raises ConsumerClosed once closed (after its producer
        closed: once what it had queued is drained)."""
        if self.takes_packets:
            raise InvalidStateError("a packet consumer has no frames")
        queue = self._queue
        while not queue:
            if self.closed:
                raise ConsumerClosed(self.id)
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        frame = queue.popleft()
        self.delivered_frames += 1
        self._counters.forwarded_frames += 1
        self._counters.forwarded_bytes += len(frame.data)
        self.delays.append(time.monotonic() - frame.arrival)
        return frame

    # -- control ----------------------------------------------------------------
    def _wait_for_keyframe(self) -> None:
        self._restart = True
        if self._is_video:
            if self._prime is not None and not self.takes_packets and self._start_from_cache():
                return
            self._need_keyframe = True
            self._ask_for_keyframe()

    def _start_from_cache(self) -> bool:
        """Start from the producer's kept GOP (Producer.keep_gop) instead of waiting
        for the next keyframe. SQUEEZE: its frames go out at once with timestamps
        drawn together just behind the newest (1 tick apart), so a viewer decodes up
        to now and shows the newest without falling a GOP behind live. REPLAY: as
        they were."""
        gop = self._producer.cached_gop
        if not gop or len(gop) > self._capacity:
            return False
        self._queue.clear()
        if self._prime == REPLAY:
            self._queue.extend(gop)
        else:
            newest = gop[-1].timestamp
            last = len(gop) - 1
            for i, frame in enumerate(gop):
                self._queue.append(
                    EncodedFrame(
                        frame.data,
                        (newest - (last - i)) & 0xFFFFFFFF,
                        frame.codec,
                        keyframe=frame.keyframe,
                        arrival=frame.arrival,
                    )
                )
        self.primed_frames += len(gop)
        self._need_keyframe = False
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return True

    def request_keyframe(self) -> None:
        """The subscriber lost its picture (PLI/FIR): ask the producer, rate-limited."""
        if not self.closed:
            self._ask_for_keyframe(start=False)

    def _ask_for_keyframe(self, *, start: bool = True) -> None:
        """For the layer this consumer waits for (the one it forwards frames of);
        `start`: it waits to start (new, resumed, switching layer), not to repair."""
        producer = self._producer
        producer.request_keyframe(
            start=start, layer=self.target_layer if self.takes_packets else producer.frames_layer
        )

    def pause(self) -> None:
        if not self.closed and not self.paused:
            self.paused = True
            self._queue.clear()
            self.observer.emit("pause")

    def resume(self) -> None:
        if not self.closed and self.paused:
            self.paused = False
            self._wait_for_keyframe()
            self.observer.emit("resume")

    # -- close --------------------------------------------------------------------
    def close(self) -> None:
        self._close(notify_parent=True)

    def _producer_closed(self) -> None:
        # what the producer sent before it closed is still delivered (a recorder
        # behind by a few frames must not lose the end of a participant's track)
        if self._close(notify_parent=True, drain=True):
            self.events.emit("producerclose")

    def _transport_closed(self) -> None:
        if self._close(notify_parent=False):
            self.events.emit("transportclose")

    def _close(self, *, notify_parent: bool, drain: bool = False) -> bool:
        if self.closed:
            return False
        self.closed = True
        self._counters.consumers -= 1
        if not drain:
            self._queue.clear()
        self._producer._remove_consumer(self)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        if notify_parent:
            self._on_close(self)
        self.observer.emit("close")
        return True

    def __repr__(self) -> str:
        return f"Consumer({self.id[:8]} of {self.producer_id[:8]} {self.codec.mime_type})"
