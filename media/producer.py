"""Producer: one incoming track (camera, mic, WHIP publisher, RTSP camera)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from media.counters import MediaCounters
from media.frames import EncodedFrame, MediaCodec
from media.observer import EventEmitter

if TYPE_CHECKING:
    from media.consumer import Consumer

logger = logging.getLogger(__name__)

# Called to ask the source for a keyframe (a PLI for a WebRTC publisher). May
# return an awaitable, which is scheduled.
KeyframeRequester = Callable[[], Any]


class Producer:
    """Fans encoded frames out to its consumers. Created only by a transport.

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
    ) -> None:
        self.id = uuid.uuid4().hex
        self.codec = codec
        self.kind = codec.kind
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
        self._counters = counters
        self._requester = keyframe_requester
        self._interval = keyframe_interval_s
        self._last_request = -1e9
        self._timer: asyncio.TimerHandle | None = None
        self._pending: set[asyncio.Future[Any]] = set()
        self._consumers: dict[str, Consumer] = {}
        # the GOP being sent (keep_gop()): a consumer that asks may start from it
        self._gop: list[EncodedFrame] | None = None
        self._gop_max = 0
        self._on_close = on_close
        counters.producers += 1

    @property
    def consumers(self) -> list[Consumer]:
        return list(self._consumers.values())

    # -- hot path -------------------------------------------------------------
    def send(self, frame: EncodedFrame) -> None:
        """Hand one encoded frame to every consumer (called by the transport's tap)."""
        if self.closed or self.paused:
            return
        self._counters.received_frames += 1
        gop = self._gop
        if gop is not None:
            if frame.keyframe:
                self._gop = [frame]
            elif gop and len(gop) < self._gop_max:
                gop.append(frame)
            else:
                gop.clear()  # longer than we keep: no start from the cache until the next
        for consumer in self._consumers.values():
            consumer._push(frame)

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
    def request_keyframe(self) -> None:
        """Ask the source for a keyframe: at most one request per interval; requests
        within the interval are coalesced into one sent when it ends."""
        if self.closed or self._requester is None or self.kind != "video":
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

    def _send_keyframe_request(self) -> None:
        assert self._requester is not None
        self._last_request = time.monotonic()
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

    def _remove_consumer(self, consumer: Consumer) -> None:
        self._consumers.pop(consumer.id, None)

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
        if notify_parent:
            self._on_close(self)
        self.observer.emit("close")
        return True

    def __repr__(self) -> str:
        return f"Producer({self.id[:8]} {self.codec.mime_type}{' closed' if self.closed else ''})"
