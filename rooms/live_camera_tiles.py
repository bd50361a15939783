"""Camera tiles of a live room: a camera in the room is shown like a participant
("监控 · name"); staff always see it, room roles (parties, guests, observers) only
while it is shared. rooms.live_cameras binds the feeds; LiveRoom keeps who sees
what through this mixin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from media.producer import Producer
from rooms.tokens import ROOM_ROLES

if TYPE_CHECKING:
    from rooms.live_room import LiveParticipant, Notifier


@dataclass
class CameraTile:
    """A camera in the room: shown like a participant ("监控 · name"); staff always
    see it, room roles (parties, guests, observers) only while it is `shared`.
    `feed` is the rooms.live_cameras.CameraFeed that carries it."""

    id: str  # "camera:<camera id>": the tile's participant-like id
    camera_id: str
    name: str
    shared: bool
    state: dict[str, Any]
    feed: Any


def owner_of(producer: Producer) -> Any:
    """Whose tile a producer belongs to: a participant id, or a camera tile id."""
    return producer.app_data.get("participant") or producer.app_data.get("tile")


def producer_info(producer: Producer) -> dict[str, Any]:
    return {
        "id": producer.id,
        "participantId": owner_of(producer),
        "kind": producer.kind,
        "source": str(producer.app_data.get("source", producer.kind)),
        "paused": producer.paused,
        "codec": producer.codec.mime_type,
    }


class CameraTiles:
    """LiveRoom's cameras (LiveRoom sets these attributes and has `_consume`)."""

    cameras: dict[str, CameraTile]  # tile id -> camera tile
    _participants: dict[str, LiveParticipant]
    _notifier: Notifier

    def _consume(self, participant: LiveParticipant, producer: Producer) -> None:
        raise NotImplementedError

    def may_see(self, participant: LiveParticipant, producer: Producer) -> bool:
        """Staff see every producer; room roles see a camera only while it is shared."""
        tile_id = producer.app_data.get("tile")
        if tile_id is None:
            return True
        tile = self.cameras.get(tile_id)
        return tile is not None and (tile.shared or participant.role not in ROOM_ROLES)

    def camera_info(self, tile: CameraTile) -> dict[str, Any]:
        producer = tile.feed.producer if tile.feed is not None else None
        return {
            "id": tile.id,
            "cameraId": tile.camera_id,
            "name": tile.name,
            "role": "camera",
            "shared": tile.shared,
            "state": tile.state,
            "producers": [producer_info(producer)] if producer and not producer.closed else [],
        }

    def visible_cameras(self, participant: LiveParticipant) -> list[dict[str, Any]]:
        return [
            self.camera_info(t)
            for t in self.cameras.values()
            if t.shared or participant.role not in ROOM_ROLES
        ]

    def _to_viewers(
        self, tile_id: str, event: str, payload: dict[str, Any], *, gone_too: bool = False
    ) -> None:
        """Tell everyone who sees camera tile `tile_id` (staff; room roles if shared)."""
        tile = self.cameras.get(tile_id)
        if tile is None and not gone_too:
            return
        shared = tile.shared if tile is not None else False
        for participant in self._participants.values():
            if shared or participant.role not in ROOM_ROLES:
                self._notifier.to_participant(participant.id, event, payload)

    def add_camera(
        self,
        tile_id: str,
        *,
        camera_id: str,
        name: str,
        shared: bool,
        state: dict[str, Any],
        feed: Any,
    ) -> CameraTile:
        tile = CameraTile(tile_id, camera_id, name, shared, state, feed)
        self.cameras[tile_id] = tile
        self._to_viewers(tile_id, "camera-added", self.camera_info(tile))
        return tile

    def remove_camera(self, tile_id: str) -> None:
        tile = self.cameras.get(tile_id)
        if tile is None:
            return
        self._to_viewers(tile_id, "camera-removed", {"id": tile_id, "cameraId": tile.camera_id})
        del self.cameras[tile_id]

    def camera_state(self, tile_id: str, state: dict[str, Any]) -> None:
        tile = self.cameras.get(tile_id)
        if tile is not None:
            tile.state = state
            self._to_viewers(
                tile_id, "camera-state", {"id": tile_id, "cameraId": tile.camera_id, **state}
            )

    def set_camera_shared(self, tile_id: str, shared: bool) -> None:
        """Show a camera to the room roles too, or stop: their consumers open or close."""
        tile = self.cameras.get(tile_id)
        if tile is None or tile.shared == shared:
            return
        producer = tile.feed.producer if tile.feed is not None else None
        if not shared:
            # tell them while they still count as viewers, then take it away
            for participant in self._participants.values():
                if participant.role in ROOM_ROLES:
                    self._notifier.to_participant(
                        participant.id,
                        "camera-removed",
                        {"id": tile_id, "cameraId": tile.camera_id},
                    )
        tile.shared = shared
        for participant in self._participants.values():
            if participant.role not in ROOM_ROLES:
                self._notifier.to_participant(
                    participant.id, "camera-shared", {"id": tile_id, "shared": shared}
                )
                continue
            if shared:
                self._notifier.to_participant(
                    participant.id, "camera-added", self.camera_info(tile)
                )
                if producer is not None:
                    self._consume(participant, producer)
            elif producer is not None:
                consumer = participant.consumers.get(producer.id)
                if consumer is not None:
                    consumer.close()


__all__ = ["CameraTile", "CameraTiles", "owner_of", "producer_info"]
