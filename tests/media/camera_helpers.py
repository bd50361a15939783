"""Helpers for camera-source tests: wait for states and frames by event, check H.264."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from fractions import Fraction

import av

from media.camera_source import CameraSource, CameraState, StateChange
from media.consumer import Consumer
from media.frames import EncodedFrame
from media.h264 import nal_type, split_nal_units


@dataclass
class StateLog:
    """Every state change of a source, with when it happened."""

    source: CameraSource
    changes: list[tuple[float, StateChange]] = field(default_factory=list)
    _event: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.source.observer.on("statechange", self._on_change)

    def _on_change(self, change: StateChange) -> None:
        self.changes.append((time.monotonic(), change))
        self._event.set()

    def states(self) -> list[CameraState]:
        return [c.state for _, c in self.changes]

    async def wait_for(self, *states: CameraState, limit: float = 15.0) -> StateChange:
        """The first change into one of `states` from now (or the current state)."""
        if self.source.state in states:
            return StateChange(self.source.state, self.source.state, self.source.detail)
        start = len(self.changes)
        deadline = time.monotonic() + limit
        while True:
            for _, change in self.changes[start:]:
                if change.state in states:
                    return change
            start = len(self.changes)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"never reached {states}; went through {self.states()}: {self.source.detail}"
                )
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                pass

    def when(self, state: CameraState, after: float = 0.0) -> float:
        for at, change in self.changes:
            if change.state == state and at >= after:
                return at
        raise AssertionError(f"no {state} after {after}: {self.states()}")


async def receive(consumer: Consumer, count: int, limit: float = 20.0) -> list[EncodedFrame]:
    frames: list[EncodedFrame] = []
    async with asyncio.timeout(limit):
        while len(frames) < count:
            frames.append(await consumer.recv_frame())
    return frames


def nal_types(frame: EncodedFrame) -> list[int]:
    return [nal_type(u) for u in split_nal_units(frame.data)]


def assert_keyframes_carry_parameter_sets(frames: list[EncodedFrame]) -> None:
    assert frames and frames[0].keyframe, "the first frame forwarded is a keyframe"
    for frame in frames:
        types = nal_types(frame)
        if frame.keyframe:
            assert types[:2] == [7, 8], f"keyframe starts with SPS, PPS: {types}"
            assert 5 in types and types.count(7) == 1 and types.count(8) == 1, types
        else:
            assert 5 not in types and 9 not in types, types


def decode_h264(frames: list[EncodedFrame]) -> list[av.VideoFrame]:
    """Decode in the test (never in the product path): proves the stream is whole."""
    ctx = av.CodecContext.create("h264", "r")
    pictures: list[av.VideoFrame] = []
    for frame in frames:
        packet = av.Packet(frame.data)
        packet.pts = frame.timestamp
        packet.time_base = Fraction(1, 90000)
        pictures.extend(ctx.decode(packet))
    pictures.extend(ctx.decode(None))
    return pictures
