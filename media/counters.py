"""Node-wide media counters, read by /metrics. Plain integers: cheap on the hot path."""

from __future__ import annotations


class MediaCounters:
    __slots__ = (
        "consumers",
        "dropped_frames",
        "forwarded_bytes",
        "forwarded_frames",
        "keyframe_requests",
        "producers",
        "received_frames",
    )

    def __init__(self) -> None:
        self.producers = 0  # open producers (gauge)
        self.consumers = 0  # open consumers (gauge)
        self.received_frames = 0  # encoded frames received from producers
        self.forwarded_frames = 0  # encoded frames handed to consumers' senders
        self.forwarded_bytes = 0
        self.dropped_frames = 0  # dropped by consumers (overflow / waiting for keyframe)
        self.keyframe_requests = 0  # keyframe requests actually sent upstream
