"""camera_offline, end to end with a real RTSP camera (GStreamer): a camera in a case
room goes away -> the alarm is raised with the camera's organisation and the room,
operators of the subtree hear it on /wall and GET /api/v1/alarms lists it; the camera
comes back -> cleared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from signaling.keys import ALARMS
from tests.signaling.client import ProtocolClient
from tests.signaling.conftest import Hub, staff_token
from tests.signaling.test_room_cameras import city
from tests.signaling.test_room_namespace import _connected
from tests.signaling.wall_client import WallClient
from tests.simulators.rtsp import RtspCamera


@pytest.fixture
def camera_sim() -> Iterator[RtspCamera]:
    with RtspCamera(gop=12) as sim:
        yield sim


async def _alarms(hub: Hub, token: str, query: str = "") -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{hub.url}api/v1/alarms{query}", headers={"Authorization": f"Bearer {token}"}
        ) as response:
            return response.status, await response.json()


def _camera_offline(cleared: bool) -> Any:
    return lambda a: a["kind"] == "camera_offline" and (a["clearedAt"] is not None) == cleared


async def test_a_camera_that_goes_away_raises_an_alarm_cleared_when_it_returns(
    hub: Hub, clients: list[ProtocolClient], camera_sim: RtspCamera
) -> None:
    demo, (room,), camera_id = await city(hub, camera_sim.url())
    command = await staff_token(hub.app, demo.users["command"])
    operator = WallClient(hub.url, command)
    clients.append(operator)
    await operator.connect()
    mediator = await _connected(
        hub, clients, await staff_token(hub.app, demo.users["mediator-east"])
    )
    await mediator.join(room=room.id)
    attached = await mediator.request("camera-attach", {"cameraId": camera_id})
    assert attached["ok"], attached
    added = await mediator.wait_event(
        "producer-added", lambda p: p["participantId"] == attached["camera"]["id"], 20
    )
    await mediator.negotiate()
    assert await mediator.frames_from(added["id"], at_least=10, limit=20) >= 10
    assert "alarm" not in operator.events  # online: nothing to say

    camera_sim.kill()  # the camera vanishes mid-stream
    alarm = await operator.wait_event("alarm", _camera_offline(False), limit=20)
    assert alarm["roomId"] == room.id
    assert alarm["organisationId"] == demo.orgs["east-1"].id  # the camera's
    assert alarm["key"] == camera_id and alarm["detail"]["camera"] == "菜市场东门"
    assert alarm["detail"]["state"] in ("offline", "unreachable")
    await hub.app[ALARMS].drained()
    status, listed = await _alarms(hub, command)
    assert status == 200
    assert [(a["kind"], a["key"]) for a in listed] == [("camera_offline", camera_id)]
    # a mediator doesn't see alarms; a township reviewer neither (no alarm.view)
    status, _ = await _alarms(hub, await staff_token(hub.app, demo.users["mediator-east"]))
    assert status == 403

    camera_sim.start()  # back where it was: the pull reconnects by itself
    cleared = await operator.wait_event("alarm", _camera_offline(True), limit=30)
    assert cleared["id"] == alarm["id"]
    await hub.app[ALARMS].drained()
    status, listed = await _alarms(hub, command, "?all=1")
    assert [(a["id"], a["clearedAt"] is not None) for a in listed] == [(alarm["id"], True)]
    # frames flow again in the room
    assert await mediator.frames_from(added["id"], at_least=10, limit=20) >= 10
