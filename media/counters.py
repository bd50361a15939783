"""Node-wide media counters, read by /metrics. Plain integers: cheap on the hot path."""

from __future__ import annotations


class MediaCounters:
    __slots__ = (
        "consumers",
        "dropped_frames",
        "forwarded_bytes",
        "forwarded_frames",
        "forwarded_packets",
        "keyframe_requests",
        "producers",
        "received_frames",
        "received_packets",
        "retransmitted_packets",
    )

    def __init__(self) -> None:
        self.producers = 0  # open producers (gauge)
        self.consumers = 0  # open consumers (gauge)
        self.received_frames = 0  # encoded frames received from producers
        self.forwarded_frames = 0  # encoded frames handed to consumers' senders
        self.forwarded_bytes = 0
        self.dropped_frames = 0  # dropped by consumers (overflow / waiting for keyframe)
        self.keyframe_requests = 0  # keyframe requests actually sent upstream
        self.received_packets = 0  # RTP packets received from WebRTC publishers
        self.forwarded_packets = 0  # RTP packets sent to WebRTC subscribers
        self.retransmitted_packets = 0  # answers to subscribers' NACKs
