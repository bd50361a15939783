"""GopBuffer: the last seconds of one video producer's encoded frames, cut at keyframes.

A consumer's frames go in (`push`); whole GOPs (a keyframe and the frames up to
the next) are kept from the last keyframe at least `seconds` before the newest
frame, and never more than `max_bytes` in all (the oldest GOP goes first; the GOP
being received is always kept). Every kept GOP starts with a
keyframe, so what `frames()` returns starts where a decoder can start: an evidence
clip with pre-roll, or the keyframe a snapshot decodes (`last_keyframe`).

`follow(sink)` hands back what is kept and from then on calls `sink(frame)` for
every frame pushed, in order, with nothing between the two missed or repeated:
how a clip continues its pre-roll live. Frames are shared, never copied.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable

from media.consumer import Consumer, ConsumerClosed
from media.frames import EncodedFrame

Sink = Callable[[EncodedFrame], None]


class GopBuffer:
    def __init__(self, seconds: float = 30.0, *, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.seconds = seconds
        self.max_bytes = max_bytes
        self._gops: deque[list[EncodedFrame]] = deque()
        self._bytes = 0
        self._sinks: list[Sink] = []
        self._keyframe_waiters: list[asyncio.Future[EncodedFrame]] = []
        self.dropped_gops = 0

    # -- in ---------------------------------------------------------------------------------
    def push(self, frame: EncodedFrame) -> None:
        if frame.keyframe:
            self._gops.append([frame])
            waiters, self._keyframe_waiters = self._keyframe_waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(frame)
        elif self._gops:
            self._gops[-1].append(frame)
        else:
            return  # nothing kept starts before a keyframe
        self._bytes += len(frame.data)
        self._trim(frame)
        for sink in list(self._sinks):
            sink(frame)

    def _trim(self, newest: EncodedFrame) -> None:
        """Keep from the last keyframe at least `seconds` before the newest frame
        (GOP-aligned: a little more than `seconds`), within max_bytes."""
        limit = int(self.seconds * newest.codec.clock_rate)
        gops = self._gops
        while len(gops) > 1 and (newest.timestamp - gops[1][0].timestamp) % 2**32 >= limit:
            self._drop_oldest()
        while len(gops) > 1 and self._bytes > self.max_bytes:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        gop = self._gops.popleft()
        self._bytes -= sum(len(f.data) for f in gop)
        self.dropped_gops += 1

    def clear(self) -> None:
        self._gops.clear()
        self._bytes = 0

    # -- out --------------------------------------------------------------------------------
    @property
    def bytes(self) -> int:
        return self._bytes

    @property
    def duration_s(self) -> float:
        if not self._gops:
            return 0.0
        first, last = self._gops[0][0], self._gops[-1][-1]
        return ((last.timestamp - first.timestamp) % 2**32) / first.codec.clock_rate

    def frames(self) -> list[EncodedFrame]:
        return [frame for gop in self._gops for frame in gop]

    @property
    def last_keyframe(self) -> EncodedFrame | None:
        return self._gops[-1][0] if self._gops else None

    def last_gop(self) -> list[EncodedFrame]:
        """The GOP being received: its keyframe and every frame since (decoding all of
        them gives the picture of now)."""
        return list(self._gops[-1]) if self._gops else []

    async def next_keyframe(self, timeout_s: float) -> EncodedFrame:
        """The keyframe kept last, or the next one to arrive (TimeoutError after timeout_s)."""
        if self._gops:
            return self._gops[-1][0]
        waiter: asyncio.Future[EncodedFrame] = asyncio.get_running_loop().create_future()
        self._keyframe_waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, timeout_s)
        finally:
            with contextlib.suppress(ValueError):
                self._keyframe_waiters.remove(waiter)

    def follow(self, sink: Sink) -> list[EncodedFrame]:
        """What is kept now; `sink` gets every frame pushed from now on."""
        self._sinks.append(sink)
        return self.frames()

    def unfollow(self, sink: Sink) -> None:
        with contextlib.suppress(ValueError):
            self._sinks.remove(sink)

    # -- fed by a consumer ----------------------------------------------------------------------
    async def fill_from(self, consumer: Consumer) -> None:
        """Push every frame of `consumer` until it closes."""
        with contextlib.suppress(ConsumerClosed):
            while True:
                self.push(await consumer.recv_frame())
