"""Live walls: an open screen page on this node and the streams its tiles show.

A LiveScreen owns one subscribe connection for its page (a PeerTransport on a
Router of its own: the screen publishes nothing) and one Consumer per stream its
visible tiles show. `show(views, visible)` makes the consumers match what the
screen shows now (room participants' video, one participant, a camera; the next
tour step's streams while prefetching) and describes each tile's live state for
the page. Tiles take little: a tile that isn't visible takes nothing, video only
(a tile's sound only while someone listens in).

It tells its owner when it should look again (`on_change`: a participant, a
producer or the room itself came or went in a room it shows) and when the page
should renegotiate (`on_renegotiate`). It never touches sockets itself.

A room lives on one node: a screen on another node sees the tile's labels but no
video until node-to-node pipes exist (DESIGN.md, Scale).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from command_center.screen_view import TileView, source_key
from media.consumer import Consumer
from media.counters import MediaCounters
from media.producer import Producer
from media.router import Router
from media.transport import RouterOptions
from rooms.live_events import RoomOpened
from rooms.live_room import LiveParticipant, LiveRoom, LiveRooms

logger = logging.getLogger(__name__)

MAX_VIDEOS_PER_TILE = 4  # a room tile shows at most this many people's video


class CameraFeeds(Protocol):
    """The producers of a pulled camera on this node (the camera package gives them)."""

    def producers(self, camera_id: str) -> list[Producer]: ...


class NoCameraFeeds:
    def producers(self, camera_id: str) -> list[Producer]:
        return []


@dataclass
class _Stream:
    producer: Producer
    participant_id: str | None
    name: str
    tiles: set[int] = field(default_factory=set)


class LiveScreen:
    def __init__(
        self,
        screen_key: str,
        rooms: LiveRooms,
        *,
        options: RouterOptions,
        counters: MediaCounters,
        on_change: Callable[[], None],
        on_renegotiate: Callable[[], None],
        cameras: CameraFeeds | None = None,
    ) -> None:
        self.key = screen_key
        self.closed = False
        self.listening: int | None = None  # the tile whose sound this screen's page plays
        self._rooms = rooms
        self._cameras = cameras or NoCameraFeeds()
        self._on_change = on_change
        self._router = Router(options, counters=counters, app_data={"screen": screen_key})
        self.transport = self._router.create_peer_transport(app_data={"screen": screen_key})
        self.transport.observer.on("negotiationneeded", on_renegotiate)
        self._consumers: dict[str, Consumer] = {}  # producer id -> consumer
        self._watched: dict[str, tuple[LiveRoom, list[tuple[Any, str, Any]]]] = {}
        self._wanted_rooms: set[str] = set()
        self._stop_following = rooms.observer.on(RoomOpened, self._room_opened)

    # -- what the tiles show ---------------------------------------------------------
    def show(self, views: list[TileView], visible: set[int]) -> list[dict[str, Any]]:
        """Consume exactly the streams of the visible tiles; describe every tile."""
        if self.closed:
            return [{"tile": view.tile} for view in views]
        wanted: dict[str, _Stream] = {}
        described = []
        rooms_needed: set[str] = set()
        for view in views:
            entry: dict[str, Any] = {"tile": view.tile}
            for role, source in (("shown", view.shown), ("upcoming", view.upcoming)):
                if source is None:
                    continue
                if source.get("roomId"):
                    rooms_needed.add(str(source["roomId"]))
                streams, live = self._streams(source, audio=self.listening == view.tile)
                entry[role] = {
                    "key": source_key(source),
                    "source": source,
                    "live": live,
                    "participants": self._participants(source),
                    "producers": [
                        {
                            "producerId": s.producer.id,
                            "participantId": s.participant_id,
                            "kind": s.producer.kind,
                            "name": s.name,
                        }
                        for s in streams
                    ],
                }
                if view.tile in visible:
                    for stream in streams:
                        wanted.setdefault(stream.producer.id, stream).tiles.add(view.tile)
            described.append(entry)
        self._watch_rooms(rooms_needed)
        # a screen showing one tile (or one enlarged) takes the full picture; a grid's
        # tiles take a simulcast publisher's lowest layer (docs/media.md)
        self._reconcile(wanted, layer=None if len(visible) <= 1 else 0)
        return described

    def _live_room(self, room_id: str) -> LiveRoom | None:
        room = self._rooms.get(room_id)
        return None if room is None or room.closed else room

    def _streams(self, source: dict[str, Any], *, audio: bool) -> tuple[list[_Stream], bool]:
        kinds = ("video", "audio") if audio else ("video",)
        if source.get("kind") == "camera":
            producers = self._cameras.producers(str(source.get("cameraId")))
            feeds = [_Stream(p, None, "") for p in producers if p.kind in kinds]
            return feeds, bool(producers)
        room = self._live_room(str(source.get("roomId")))
        if room is None:
            return [], False
        people = room.participants
        if source.get("kind") == "participant":
            people = [p for p in people if p.id == source.get("participantId")]
        streams: list[_Stream] = []
        videos = 0
        for person in people:
            for producer in person.producers:
                if producer.closed or producer.kind not in kinds:
                    continue
                if producer.kind == "video":
                    if videos >= MAX_VIDEOS_PER_TILE or producer.app_data.get("source") == "screen":
                        continue
                    videos += 1
                streams.append(_Stream(producer, person.id, person.name))
        return streams, True

    def _participants(self, source: dict[str, Any]) -> list[dict[str, Any]]:
        if source.get("kind") == "camera":
            return []
        room = self._live_room(str(source.get("roomId")))
        if room is None:
            return []
        people: list[LiveParticipant] = room.participants
        if source.get("kind") == "participant":
            people = [p for p in people if p.id == source.get("participantId")]
        return [
            {"id": p.id, "name": p.name, "role": p.role, "connected": p.connected} for p in people
        ]

    def _reconcile(self, wanted: dict[str, _Stream], layer: int | None) -> None:
        for producer_id in [pid for pid in self._consumers if pid not in wanted]:
            self._consumers.pop(producer_id).close()
        for producer_id, stream in wanted.items():
            consumer = self._consumers.get(producer_id)
            if consumer is None or consumer.closed:
                if stream.producer.closed or self.transport.closed:
                    continue
                consumer = self._consumers[producer_id] = self._consume(stream)
            consumer.app_data["tiles"] = sorted(stream.tiles)
            if consumer.kind == "video":
                consumer.set_preferred_layer(layer)

    def _consume(self, stream: _Stream) -> Consumer:
        """The tile's copy of a stream. A producer of a room's router is consumed
        from this screen's transport directly (same process); with node-to-node or
        cross-router pipes this is where a pipe to self._router goes."""
        consumer = self.transport.consume(
            stream.producer,
            app_data={"owner": stream.participant_id, "tiles": sorted(stream.tiles)},
        )
        producer_id = stream.producer.id

        def forget() -> None:
            if self._consumers.get(producer_id) is consumer:
                del self._consumers[producer_id]

        consumer.observer.on("close", forget)
        return consumer

    @property
    def consumers(self) -> list[Consumer]:
        return [c for c in self._consumers.values() if not c.closed]

    # -- following the rooms it shows ---------------------------------------------------
    def _watch_rooms(self, room_ids: set[str]) -> None:
        self._wanted_rooms = room_ids
        for room_id in [r for r in self._watched if r not in room_ids]:
            self._unwatch(room_id)
        for room_id in room_ids:
            room = self._live_room(room_id)
            watched = self._watched.get(room_id)
            if watched is not None and watched[0] is room:
                continue
            if watched is not None:
                self._unwatch(room_id)
            if room is not None:
                self._watch(room)

    def _watch(self, room: LiveRoom) -> None:
        router = room.router
        hooks: list[tuple[Any, str, Any]] = []

        def changed(*_: Any) -> None:
            self._changed()

        def new_producer(producer: Producer) -> None:
            producer.observer.on("close", changed)
            self._changed()

        def new_transport(transport: Any) -> None:
            transport.observer.on("close", changed)
            self._changed()

        for event, listener in (
            ("newproducer", new_producer),
            ("newtransport", new_transport),
            ("close", changed),
        ):
            router.observer.on(event, listener)
            hooks.append((router.observer, event, listener))
        for transport in router.transports:
            transport.observer.on("close", changed)
        self._watched[room.id] = (room, hooks)

    def _unwatch(self, room_id: str) -> None:
        _, hooks = self._watched.pop(room_id)
        for emitter, event, listener in hooks:
            emitter.off(event, listener)

    def _room_opened(self, event: RoomOpened) -> None:
        if event.room.id in self._wanted_rooms:
            self._changed()

    def _changed(self) -> None:
        if not self.closed:
            self._on_change()

    # -- subscribe connection (docs/protocol.md: the wall namespace) ----------------------
    async def subscribe(self) -> tuple[str | None, list[dict[str, Any]]]:
        offer = await self.transport.subscribe_offer()
        consumers = [
            {
                "id": c.id,
                "producerId": c.producer_id,
                "participantId": c.app_data.get("owner"),
                "kind": c.kind,
                "tiles": c.app_data.get("tiles", []),
                "mid": self.transport.consumer_mid(c.id),
            }
            for c in self.consumers
        ]
        return offer, consumers

    async def subscribe_answer(self, sdp: str) -> bool:
        """Apply the page's answer; True when another offer is due already."""
        await self.transport.subscribe_answer(sdp)
        return self.transport.needs_subscribe_offer

    def request_keyframe(self, producer_id: str) -> bool:
        consumer = self._consumers.get(producer_id)
        if consumer is None:
            return False
        consumer.request_keyframe()
        return True

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._stop_following()
        for room_id in list(self._watched):
            self._unwatch(room_id)
        self._consumers.clear()
        await self._router.close()


class LiveWalls:
    """This node's open screens, by socket id."""

    def __init__(self, rooms: LiveRooms, options: RouterOptions, counters: MediaCounters) -> None:
        self.rooms = rooms
        self.options = options
        self.counters = counters
        self.cameras: CameraFeeds = NoCameraFeeds()
        self._screens: dict[str, LiveScreen] = {}

    def open(
        self,
        sid: str,
        screen_key: str,
        *,
        on_change: Callable[[], None],
        on_renegotiate: Callable[[], None],
    ) -> LiveScreen:
        screen = LiveScreen(
            screen_key,
            self.rooms,
            options=self.options,
            counters=self.counters,
            on_change=on_change,
            on_renegotiate=on_renegotiate,
            cameras=self.cameras,
        )
        self._screens[sid] = screen
        return screen

    def get(self, sid: str) -> LiveScreen | None:
        return self._screens.get(sid)

    @property
    def screens(self) -> list[LiveScreen]:
        return list(self._screens.values())

    async def close_screen(self, sid: str) -> None:
        screen = self._screens.pop(sid, None)
        if screen is not None:
            await screen.close()

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self._screens.values()))
        self._screens.clear()


__all__ = ["CameraFeeds", "LiveScreen", "LiveWalls", "NoCameraFeeds"]
