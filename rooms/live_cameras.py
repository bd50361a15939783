"""Live cameras on this node: one pull per stored camera, shared by every room,
wall and recorder that watches it, bound into rooms as participant-like tiles.

    cameras = LiveCameras(factory, options=..., counters=...)
    feed = cameras.attach(live_room, spec, shared=False)   # the room's tile "监控 · name"
    feed.set_shared(True)                                  # parties see it too
    await feed.close()                                     # the last watcher stops the pull

Each stored camera has one `LiveCamera`: a `CameraSource` (media/) on a camera
router of this node's own, made by a `SourceFactory` the hub wires (RTSP here,
GB/T 28181 through the SIP platform in signaling/). A `CameraFeed` binds one
camera to one live room: a `Watch` on the source, a consumer of the camera's
producer on the camera router, and a producer of the same codec on a
DirectTransport in the room's router, fed frame by frame (the way any camera
feeds a room). The room's producer is what participants consume and what the
room's recorder records; it lives as long as the feed (a camera reconnecting, or
replacing its producer with the same codec, changes nothing for the room).

The only module in rooms/ besides live_room that touches media/.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from media.camera_source import PERMANENT_STATES, CameraSource, CameraState, StateChange, Watch
from media.consumer import REPLAY, Consumer, ConsumerClosed
from media.counters import MediaCounters
from media.frames import H265
from media.gop_buffer import GopBuffer
from media.producer import Producer
from media.router import Router
from media.transcoder import Transcoder
from media.transport import DirectTransport, RouterOptions
from rooms.cameras import CameraSpec
from rooms.errors import HubError
from rooms.live_room import LiveRoom

logger = logging.getLogger(__name__)

# Make the source of one camera: (spec, the transport its producer goes on, app_data).
# Raises CameraUnavailable when this node can't pull it (e.g. no GB/T 28181 platform).
SourceFactory = Callable[[CameraSpec, DirectTransport, dict[str, Any]], CameraSource]


class CameraUnavailable(HubError):
    """This node can't pull the camera (no GB/T 28181 platform, shutting down)."""

    status = 409


def spawn(tasks: set[asyncio.Future[Any]], coro: Any) -> None:
    """Run `coro` in the background, keeping a reference until it is done."""
    task = asyncio.ensure_future(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def wall_time(monotonic: float | None) -> dt.datetime | None:
    """A time.monotonic() instant as an aware UTC datetime."""
    if monotonic is None:
        return None
    return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=time.monotonic() - monotonic)


@dataclass
class LiveCamera:
    spec: CameraSpec
    source: CameraSource
    transport: DirectTransport  # on the camera router: pipes into rooms, pre-roll buffers
    # the last seconds of video while the camera is pulled (evidence pre-roll, snapshots)
    buffer: GopBuffer | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    transcoder: Transcoder | None = None  # an H.265 camera's H.264 copy, while shown
    _filling: asyncio.Task[None] | None = None

    def keep_preroll(self, seconds: float) -> None:
        """Keep the last `seconds` of video from every producer the source makes."""
        self.buffer = GopBuffer(seconds)
        self.source.observer.on("newproducer", self._fill)
        self.source.observer.on("statechange", self._maybe_clear)
        if self.source.producer is not None:
            self._fill(self.source.producer)

    def _fill(self, producer: Producer) -> None:
        if self.buffer is None or producer.kind != "video" or self.transport.closed:
            return
        if self._filling is not None:
            self._filling.cancel()
        consumer = self.transport.consume(producer, app_data={"role": "preroll"})
        self._filling = asyncio.get_running_loop().create_task(self.buffer.fill_from(consumer))

    def _maybe_clear(self, change: StateChange) -> None:
        if self.buffer is not None and change.state in (CameraState.IDLE, CameraState.CLOSED):
            self.buffer.clear()  # a pull that stopped: its past is no pre-roll for the next

    @property
    def id(self) -> str:
        return self.spec.id

    def state(self) -> dict[str, Any]:
        change = StateChange(self.source.state, self.source.state, self.source.detail)
        last = wall_time(self.source.stats.last_frame_at)
        producer = self.source.producer
        return {
            "state": str(self.source.state),
            "detail": self.source.detail,
            "message": change.message,
            "lastFrameAt": last.isoformat() if last else None,
            "watchers": len(self.source.watchers),
            "codec": producer.codec.mime_type if producer else None,
            "frames": self.source.stats.frames,
            "source": self.spec.source,  # "rtsp" | "gb28181" (PTZ)
            "transcoding": self.transcoder is not None and not self.transcoder.closed,
        }


StateListener = Callable[[LiveCamera, StateChange], None]


class LiveCameras:
    """This node's camera sources, one per stored camera, on one camera router.

    Events on `observer`... kept small: `on_state(camera, change)` is called on
    every state change of any camera (the hub stores it and tells rooms)."""

    def __init__(
        self,
        factory: SourceFactory,
        *,
        options: RouterOptions | None = None,
        counters: MediaCounters | None = None,
        on_state: StateListener | None = None,
        preroll_s: float = 30.0,
        max_transcodes: int = 0,
    ) -> None:
        self.router = Router(options, counters=counters, app_data={"role": "cameras"})
        self.preroll_s = preroll_s
        self.max_transcodes = max_transcodes
        self._factory = factory
        self._on_state = on_state
        self._cameras: dict[str, LiveCamera] = {}
        self._helpers: list[Callable[[LiveCamera], None]] = []
        self._tasks: set[asyncio.Future[Any]] = set()
        self.closed = False

    def __len__(self) -> int:
        return len(self._cameras)

    def get(self, camera_id: str) -> LiveCamera | None:
        return self._cameras.get(camera_id)

    def on_new_camera(self, helper: Callable[[LiveCamera], None]) -> None:
        """Run `helper(camera)` for every camera opened from now on (and the open ones)."""
        self._helpers.append(helper)
        for camera in self._cameras.values():
            helper(camera)

    def open(self, spec: CameraSpec) -> LiveCamera:
        """The live camera for `spec` (made on first use). A stored camera whose
        source changed (address, credentials) gets a new pull once `forget()` ran."""
        if self.closed:
            raise CameraUnavailable("invalid_state", "服务正在关闭 / shutting down")
        camera = self._cameras.get(spec.id)
        if camera is not None and not camera.source.closed:
            return camera
        transport = self.router.create_direct_transport(app_data={"camera": spec.id})
        try:
            source = self._factory(spec, transport, {"camera": spec.id})
        except BaseException:
            spawn(self._tasks, transport.close())
            raise
        camera = LiveCamera(spec, source, transport)
        source.observer.on("newproducer", lambda producer: producer.keep_gop())
        if self.preroll_s > 0:
            camera.keep_preroll(self.preroll_s)
        self._cameras[spec.id] = camera
        source.observer.on("statechange", lambda change: self._state_changed(camera, change))
        source.observer.on("close", lambda: self._source_closed(camera))
        for helper in self._helpers:
            helper(camera)
        return camera

    def _state_changed(self, camera: LiveCamera, change: StateChange) -> None:
        if self._on_state is not None:
            self._on_state(camera, change)

    def _source_closed(self, camera: LiveCamera) -> None:
        if self._cameras.get(camera.id) is camera:
            del self._cameras[camera.id]
        spawn(self._tasks, camera.transport.close())

    def watch(self, spec: CameraSpec, *, app_data: dict[str, Any] | None = None) -> Watch:
        """Hold a camera (a wall tile, a capture): the first watcher starts its pull."""
        camera = self.open(spec)
        if camera.source.state in PERMANENT_STATES and not camera.source.watchers:
            camera.source.retry()
        return camera.source.watch(app_data=app_data)

    def attach(self, room: LiveRoom, spec: CameraSpec, *, shared: bool = False) -> CameraFeed:
        """Bind a camera into a live room (once per room: the existing feed otherwise)."""
        feed = room.cameras.get(spec.id)
        if isinstance(feed, CameraFeed) and not feed.closed:
            return feed
        return CameraFeed(self.open(spec), room, shared=shared, cameras=self)

    @property
    def transcoding(self) -> int:
        """H.265 cameras being transcoded now."""
        return sum(1 for c in self._cameras.values() if c.transcoder and not c.transcoder.closed)

    def h264_of(self, camera: LiveCamera, upstream: Producer) -> Producer | None:
        """What browsers can be sent of `upstream`: itself, or for H.265 the H.264 copy
        (one per camera, made on first need; None when `max_transcodes` run already)."""
        if upstream.codec.mime_type != H265:
            return upstream
        current = camera.transcoder
        if current is not None and not current.closed and current.upstream is upstream:
            return current.producer
        if self.transcoding >= self.max_transcodes:
            return None
        camera.transcoder = Transcoder(upstream, camera.transport, app_data={"camera": camera.id})
        return camera.transcoder.producer

    def state(self, camera_id: str) -> dict[str, Any] | None:
        camera = self._cameras.get(camera_id)
        return None if camera is None else camera.state()

    async def forget(self, camera_id: str) -> None:
        """Stop a camera for good on this node (deleted, or its source changed):
        every room loses its tile."""
        camera = self._cameras.pop(camera_id, None)
        if camera is not None:
            await camera.source.close()

    async def close(self) -> None:
        self.closed = True
        for camera in list(self._cameras.values()):
            await camera.source.close()
        self._cameras.clear()
        await self.router.close()


class CameraFeed:
    """One camera in one live room: a watcher of the camera and a producer in the
    room's router carrying its frames. Closed by close(), by the room's router
    closing, or by the camera source closing."""

    def __init__(
        self, camera: LiveCamera, room: LiveRoom, *, shared: bool, cameras: LiveCameras
    ) -> None:
        self.camera = camera
        self._cameras = cameras
        self.room = room
        self.closed = False
        self.tile_id = f"camera:{camera.id}"
        self._transport = room.router.create_direct_transport(
            app_data={"camera": camera.id, "role": "camera-feed"}
        )
        self._producer: Producer | None = None
        self._consumer: Consumer | None = None
        self._pump: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        source = camera.source
        room.add_camera(
            self.tile_id,
            camera_id=camera.id,
            name=camera.spec.tile_name,
            shared=shared,
            state=self._state_info(),
            feed=self,
        )
        self._watch = camera.source.watch(app_data={"room": room.id, "camera": camera.id})
        if source.state in PERMANENT_STATES and source.producer is None:
            source.retry()
        self._listeners: list[tuple[Any, str, Any]] = [
            (source.observer, "newproducer", self._bind),
            (source.observer, "statechange", self._state_changed),
            (source.observer, "close", self._source_closed),
            (self._transport.events, "routerclose", self._room_closed),
        ]
        for emitter, event, listener in self._listeners:
            emitter.on(event, listener)
        if source.producer is not None and not source.producer.closed:
            self._bind(source.producer)

    @property
    def producer(self) -> Producer | None:
        """The camera's producer in the room's router (None until the camera has sent
        its codec)."""
        return self._producer

    @property
    def shared(self) -> bool:
        tile = self.room.cameras.get(self.tile_id)
        return bool(tile and tile.shared)

    def set_shared(self, shared: bool) -> None:
        self.room.set_camera_shared(self.tile_id, shared)

    def _state_info(self) -> dict[str, Any]:
        return self.camera.state()

    # -- frames ---------------------------------------------------------------------------
    def _bind(self, upstream: Producer) -> None:
        """Consume the camera's (new) producer into the room's producer."""
        if self.closed or upstream.closed:
            return
        self._unbind()
        viewable = self._cameras.h264_of(self.camera, upstream)
        if viewable is None:
            limit = self._cameras.max_transcodes
            self.room.camera_state(
                self.tile_id,
                {
                    **self._state_info(),
                    "state": "unsupported_codec",
                    "detail": f"H.265: {limit} transcodes running",
                    "message": f"H.265 画面转码已达上限（{limit} 路），请稍后再试；"
                    f"H.265 transcoding at capacity ({limit}); try again later",
                },
            )
            return
        upstream = viewable
        producer = self._producer
        if producer is not None and producer.codec != upstream.codec:
            producer.close()  # a codec change: the room gets a new producer
            producer = None
        # the camera's current GOP first (when it is pulled already), then live: the
        # room starts with a picture instead of waiting for the camera's next keyframe
        consumer = self.camera.transport.consume(
            upstream, app_data={"room": self.room.id, "role": "camera-feed"}, prime=REPLAY
        )
        self._consumer = consumer
        if producer is None or producer.closed:
            producer = self._transport.produce(
                upstream.codec,
                keyframe_requester=self._ask_keyframe,
                app_data={
                    "camera": self.camera.id,
                    "tile": self.tile_id,
                    "source": "cctv",
                    "name": self.camera.spec.tile_name,
                },
            )
            # viewers (browsers) start from the current GOP: RTSP cameras can't be
            # asked for a keyframe, and a new viewer would wait up to a GOP
            producer.keep_gop()
            self._producer = producer
        self._pump = asyncio.get_running_loop().create_task(self._forward(consumer, producer))

    def _ask_keyframe(self) -> None:
        if self._consumer is not None:
            self._consumer.request_keyframe()

    @staticmethod
    async def _forward(consumer: Consumer, producer: Producer) -> None:
        send = producer.send
        with contextlib.suppress(ConsumerClosed):
            while True:
                send(await consumer.recv_frame())

    def _unbind(self) -> None:
        pump, consumer = self._pump, self._consumer
        self._pump = self._consumer = None
        if pump is not None:
            pump.cancel()
        if consumer is not None:
            consumer.close()

    # -- events ---------------------------------------------------------------------------
    def _state_changed(self, change: StateChange) -> None:
        if not self.closed:
            self.room.camera_state(self.tile_id, self._state_info())

    def _source_closed(self) -> None:
        spawn(self._tasks, self.close())

    def _room_closed(self) -> None:
        spawn(self._tasks, self.close())

    async def close(self) -> None:
        """Take the camera out of the room; the pull stops after its last watcher."""
        if self.closed:
            return
        self.closed = True
        for emitter, event, listener in self._listeners:
            emitter.off(event, listener)
        self._unbind()
        self._watch.close()
        self.room.remove_camera(self.tile_id)
        await self._transport.close()


__all__ = [
    "CameraFeed",
    "CameraState",
    "CameraUnavailable",
    "LiveCamera",
    "LiveCameras",
    "SourceFactory",
    "wall_time",
]
