"""GET /metrics: Prometheus text (prometheus-client), for a scraper holding the
install's metrics token (Authorization: Bearer; DATA_DIR/metrics.token).

Nothing is counted on the media path for this: collectors read this node's
counters (media.counters.MediaCounters), live rooms and running recordings when
a scrape comes, into a registry of this app's own (no module-level singletons).
"""

from __future__ import annotations

import gc
import hmac
from collections.abc import AsyncIterator, Iterator

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from media.counters import MediaCounters
from recorder.control import RecordingControl
from rooms.live_room import LiveRooms
from signaling.errors import error_response
from signaling.gc_pauses import GENERATIONS, GcPauses
from signaling.keys import LIVE_ROOMS, MEDIA_COUNTERS, METRICS_TOKEN, RECORDINGS

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
REGISTRY: web.AppKey[CollectorRegistry] = web.AppKey("metrics_registry", CollectorRegistry)


class MediaCollector(Collector):
    """This node's forwarding: producers, consumers, frames, packets, bytes, drops, PLIs."""

    def __init__(self, counters: MediaCounters) -> None:
        self.counters = counters

    def collect(self) -> Iterator[Metric]:
        c = self.counters
        yield GaugeMetricFamily("hub_producers", "Open producers.", value=c.producers)
        yield GaugeMetricFamily("hub_consumers", "Open consumers.", value=c.consumers)
        counters = (
            ("hub_received_frames", "Encoded frames received from producers.", c.received_frames),
            ("hub_forwarded_frames", "Encoded frames handed to consumers.", c.forwarded_frames),
            ("hub_forwarded_bytes", "Encoded bytes handed to consumers.", c.forwarded_bytes),
            (
                "hub_received_packets",
                "RTP packets received from WebRTC publishers.",
                c.received_packets,
            ),
            (
                "hub_forwarded_packets",
                "RTP packets sent to WebRTC subscribers.",
                c.forwarded_packets,
            ),
            (
                "hub_retransmitted_packets",
                "Packets resent on subscribers' NACKs.",
                c.retransmitted_packets,
            ),
            (
                "hub_dropped_frames",
                "Frames dropped by consumers (overflow, waiting for a keyframe).",
                c.dropped_frames,
            ),
            (
                "hub_keyframe_requests",
                "Keyframe requests (PLI) sent upstream to producers.",
                c.keyframe_requests,
            ),
        )
        for name, text, value in counters:  # exposed as <name>_total
            yield CounterMetricFamily(name, text, value=value)


class RoomsCollector(Collector):
    """This node's live rooms, their participants, and running recordings."""

    def __init__(self, live: LiveRooms, recordings: RecordingControl) -> None:
        self.live = live
        self.recordings = recordings

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("hub_rooms", "Live rooms on this node.", value=self.live.room_count)
        yield GaugeMetricFamily(
            "hub_participants", "Participants in live rooms.", value=self.live.participant_count
        )
        yield GaugeMetricFamily(
            "hub_recordings",
            "Recordings running on this node.",
            value=len(self.recordings.running()),
        )


class GcCollector(Collector):
    """The garbage collector's pauses: while one runs, no room on this node
    forwards a packet."""

    def __init__(self, pauses: GcPauses) -> None:
        self.pauses = pauses

    def collect(self) -> Iterator[Metric]:
        p = self.pauses
        families = (
            (
                CounterMetricFamily,
                "hub_gc_collections",
                "Collections, by generation.",
                p.collections,
            ),
            (
                CounterMetricFamily,
                "hub_gc_pause_seconds",
                "Time the event loop stood still collecting, by generation.",
                p.seconds,
            ),
            (
                GaugeMetricFamily,
                "hub_gc_longest_pause_seconds",
                "The longest collection since start, by generation.",
                p.longest,
            ),
        )
        for family, name, text, values in families:
            metric = family(name, text, labels=["generation"])
            for generation in range(GENERATIONS):
                metric.add_metric([str(generation)], values[generation])
            yield metric
        yield GaugeMetricFamily(
            "hub_gc_frozen_objects",
            "Objects from start-up the collector never walks (frozen).",
            value=gc.get_freeze_count(),
        )


async def metrics(request: web.Request) -> web.Response:
    expected = f"Bearer {request.app[METRICS_TOKEN]}".encode()
    given = request.headers.get("Authorization", "").encode("utf-8", "replace")
    if not hmac.compare_digest(given, expected):
        return error_response(
            401,
            "token_missing",
            "需要监控令牌（数据目录中的 metrics.token）"
            " / needs the metrics token (metrics.token in the data dir)",
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body = generate_latest(request.app[REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


def setup(app: web.Application) -> None:
    """After LIVE_ROOMS, MEDIA_COUNTERS and RECORDINGS are set."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MediaCollector(app[MEDIA_COUNTERS]))
    registry.register(RoomsCollector(app[LIVE_ROOMS], app[RECORDINGS]))
    pauses = GcPauses()
    registry.register(GcCollector(pauses))
    app[REGISTRY] = registry
    app.router.add_get("/metrics", metrics)

    async def watch(app: web.Application) -> AsyncIterator[None]:
        pauses.start()
        yield
        pauses.stop()

    app.cleanup_ctx.append(watch)


__all__ = ["GcCollector", "MediaCollector", "RoomsCollector", "setup"]
