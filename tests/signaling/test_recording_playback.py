"""Playing a recording back over REST: its tracks on one clock, and the original
segment files, byte for byte, to staff of the owning subtree only."""

from __future__ import annotations

from recorder.store import recordings_dir
from tests.signaling.conftest import Town
from tests.signaling.test_rest_authz import record_briefly


async def test_tracks_and_original_segments(town: Town) -> None:
    recording = await record_briefly(town.config, "r", town.orgs["east-1"])
    status, body = await town.call("mediator-east", "GET", f"/api/v1/recordings/{recording}/tracks")
    assert status == 200, body
    (track,) = body["tracks"]
    assert (track["kind"], track["codec"], track["name"]) == ("audio", "audio/opus", "张三")
    (segment,) = track["segments"]
    assert segment["start"] > 0 and segment["file"] == "t01-00001.webm"

    response = await town.client.get(segment["url"], headers=town.headers["mediator-east"])
    assert response.status == 200
    assert response.headers["Content-Type"] == "audio/webm"
    on_disk = (
        recordings_dir(town.config.server.data_dir) / recording / segment["file"]
    ).read_bytes()
    assert await response.read() == on_disk

    ranged = await town.client.get(
        segment["url"], headers={**town.headers["mediator-east"], "Range": "bytes=0-99"}
    )
    assert ranged.status == 206 and await ranged.read() == on_disk[:100]


async def test_only_listed_segments_are_served(town: Town) -> None:
    recording = await record_briefly(town.config, "r", town.orgs["east-1"])
    base = f"/api/v1/recordings/{recording}/segments/"
    for name in ("state.json", "manifest.json", "t01-00002.webm", "..%2Fstate.json", "t9-1.ts"):
        status, body = await town.call("mediator-east", "GET", base + name)
        assert (status, body["error"]["code"]) == (404, "not_found"), name
