"""/metrics through prometheus-client: the collectors read this node's counters at
scrape time, under the metric names the dashboards already use."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from hub.app import build_app
from hub.config import Config
from media.counters import MediaCounters
from signaling.keys import LIVE_ROOMS, MEDIA_COUNTERS, METRICS_TOKEN, RECORDINGS
from signaling.metrics import MediaCollector


def samples(text: str) -> dict[str, float]:
    return {
        s.name: s.value for family in text_string_to_metric_families(text) for s in family.samples
    }


def test_media_counters_are_read_when_scraped() -> None:
    counters = MediaCounters()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MediaCollector(counters))
    counters.producers, counters.forwarded_frames, counters.dropped_frames = 3, 1200, 7
    first = samples(generate_latest(registry).decode())
    counters.forwarded_frames += 30
    second = samples(generate_latest(registry).decode())
    assert first["hub_producers"] == 3 and first["hub_dropped_frames_total"] == 7
    assert first["hub_forwarded_frames_total"] == 1200
    assert second["hub_forwarded_frames_total"] == 1230


async def test_the_endpoint_serves_every_collector(
    aiohttp_client: Any, hub_config: Config, tmp_path: Path
) -> None:
    client = await aiohttp_client(build_app(hub_config))
    app = client.app
    app[MEDIA_COUNTERS].keyframe_requests = 5
    response = await client.get(
        "/metrics", headers={"Authorization": f"Bearer {app[METRICS_TOKEN]}"}
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    values = samples(await response.text())
    assert values["hub_keyframe_requests_total"] == 5
    assert values["hub_rooms"] == app[LIVE_ROOMS].room_count == 0
    assert values["hub_recordings"] == len(app[RECORDINGS].running()) == 0
    for name in ("hub_participants", "hub_consumers", "hub_received_frames_total"):
        assert name in values


def labelled(text: str, name: str) -> dict[str, float]:
    """generation -> value, for one of the hub_gc_* families."""
    return {
        s.labels["generation"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


async def test_garbage_collections_and_their_pauses_are_counted_while_the_app_runs(
    aiohttp_client: Any, hub_config: Config
) -> None:
    callbacks = len(gc.callbacks)
    client = await aiohttp_client(build_app(hub_config))
    auth = {"Authorization": f"Bearer {client.app[METRICS_TOKEN]}"}
    before = await (await client.get("/metrics", headers=auth)).text()
    gc.collect()  # a full collection
    gc.collect()
    after = await (await client.get("/metrics", headers=auth)).text()
    collections = labelled(after, "hub_gc_collections_total")
    assert collections["2"] >= labelled(before, "hub_gc_collections_total")["2"] + 2
    assert labelled(after, "hub_gc_pause_seconds_total")["2"] > 0
    assert labelled(after, "hub_gc_longest_pause_seconds")["2"] > 0
    assert "hub_gc_frozen_objects" in samples(after)  # (`serve` freezes; tests do not)
    await client.close()
    assert len(gc.callbacks) == callbacks  # the app's watcher goes with it
