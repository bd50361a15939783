"""Camera health for the alarms: watches every camera this node pulls
(rooms.live_cameras) and tells a CameraAlarmSink when one goes offline and when
it comes back. It stores nothing and touches no socket (the sink does:
signaling.alarm_service).

- camera_offline: a pulled camera stopped delivering (`offline`: it was online and
  dropped or stalled) or can't be reached (`unreachable`), with the camera's
  organisation and the room that watches it, if one does; raised once per camera
  while it lasts, cleared when frames flow again (`online`). A camera nobody watches
  any more is not pulled, so nothing says it came back: its alarm stays for an
  operator (as a participant who never came back does).
- Refusals that retrying won't cure (wrong password, no such stream, bad address,
  unsupported codec) are configuration faults, shown on the camera's tile and in
  the registry, not alarms.
"""

from __future__ import annotations

from typing import Any, Protocol

from media.camera_source import CameraState, StateChange
from rooms.live_cameras import LiveCamera, LiveCameras

OFFLINE_STATES = frozenset({CameraState.OFFLINE, CameraState.UNREACHABLE})


class CameraAlarmSink(Protocol):
    def raise_camera_alarm(
        self,
        camera_id: str,
        organisation_id: str | None,
        room_id: str | None,
        detail: dict[str, Any],
    ) -> None: ...

    def clear_camera_alarm(self, camera_id: str) -> None: ...


class CameraWatch:
    def __init__(self, cameras: LiveCameras, sink: CameraAlarmSink) -> None:
        self._sink = sink
        self._offline: set[str] = set()  # cameras raised as offline
        cameras.on_new_camera(self._follow)

    def _follow(self, camera: LiveCamera) -> None:
        camera.source.observer.on("statechange", lambda change: self._changed(camera, change))

    def _changed(self, camera: LiveCamera, change: StateChange) -> None:
        if change.state in OFFLINE_STATES and camera.id not in self._offline:
            self._offline.add(camera.id)
            rooms = [w.app_data["room"] for w in camera.source.watchers if "room" in w.app_data]
            self._sink.raise_camera_alarm(
                camera.id,
                camera.spec.organisation_id,
                rooms[0] if rooms else None,
                {
                    "camera": camera.spec.name,
                    "cameraId": camera.id,
                    "state": str(change.state),
                    "reason": change.detail,
                },
            )
        elif change.state == CameraState.ONLINE and camera.id in self._offline:
            self._offline.discard(camera.id)
            self._sink.clear_camera_alarm(camera.id)


__all__ = ["OFFLINE_STATES", "CameraAlarmSink", "CameraWatch"]
