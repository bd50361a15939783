"""socket.io namespace /wall: wall screens and the operators watching walls.

Thin: authenticate, validate, call command_center, answer {ok: true, ...} or
{ok: false, error: {code, message}} (docs/protocol.md, "Walls").

- A screen page connects with its screen credential (token
  `screen:<wall>:<n>:<secret>`, command_center.screen_credentials), asks `sync`
  for what its tiles show now and receives their streams on one subscribe
  connection (`subscribe`/`subscribe-answer`, as a room page does).
- An operator (command staff, admin) connects with the staff token and `watch`es
  walls of its subtree.
- Both hear `wall-changed` {wall, version} whenever the stored wall changes, from
  any node (socket.io rooms `wall:<id>`, through Redis when REDIS_URL is set);
  screens also hear `media-changed` when a room they show gains or loses people or
  streams, and resync. A command-line change (another process) is noticed by
  polling the walls' versions (`poll_s`), as is a revoked screen credential.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import socketio
from aiohttp import web
from sqlalchemy import select

from command_center import walls
from command_center.alarms import open_alarms_for_rooms
from command_center.intercom import LiveListener
from command_center.layouts import parse_layout
from command_center.live_wall import LiveScreen, LiveWalls
from command_center.oversight import do_start_listening, do_stop_listening
from command_center.screen_credentials import (
    ScreenRefused,
    check_screen_credential,
    hash_secret,
    parse_screen_token,
)
from command_center.screen_view import screen_views, source_key, visible_tiles
from command_center.tile_labels import tile_labels
from rooms import domain, policy
from rooms.accounts import check_session
from rooms.models import Wall, WallScreen
from rooms.policy import Subject
from rooms.tokens import TokenError, verify
from signaling.alarm_service import ALARM_ROOM_PREFIX, SCREENS_ROOM, alarm_rooms
from signaling.decoder import MALFORMED
from signaling.decoder import payload as read_payload
from signaling.errors import fail
from signaling.event_dispatch import answer, malformed_ack, validate
from signaling.keys import (
    COMMAND_CENTER_SETTINGS,
    DATABASE,
    LIVE_ROOMS,
    LIVE_WALLS,
    MEDIA_COUNTERS,
    MEDIA_SETTINGS,
    RECORDINGS,
    ROOMS_SETTINGS,
    SIGNALING,
    TOKEN_SECRET,
    WALL_NAMESPACE,
)
from signaling.models import Body
from signaling.room_messages import error_ack
from signaling.wall_messages import (
    AnswerRequest,
    Empty,
    ListenRequest,
    ProducerRequest,
    VisibleRequest,
    WallRequest,
)

logger = logging.getLogger(__name__)

NAMESPACE = "/wall"
SCREEN, OPERATOR, OFFICE = "screen", "operator", "office"
MEDIA_CHANGE_DELAY_S = 0.05  # media-changed hints folded over this long

Handler = Callable[["WallSocket", Any], Awaitable[dict[str, Any] | None]]


def wall_room(wall_id: str) -> str:
    return f"wall:{wall_id}"


def office_room(org_id: str) -> str:
    return f"office:{org_id}"


@dataclass
class WallSocket:
    sid: str
    kind: str
    wall_id: str | None = None  # a screen's wall
    number: int = 0  # a screen's number
    credential_hash: str = ""
    subject: Subject | None = None  # an operator
    token: Any = None
    watching: set[str] = field(default_factory=set)
    visible: set[int] | None = None
    live: LiveScreen | None = None
    listener: LiveListener | None = None  # an operator listening in
    hint: asyncio.TimerHandle | None = None

    def screen(self) -> LiveScreen:
        if self.kind != SCREEN or self.live is None:
            raise fail("forbidden", "仅限电视墙屏幕 / wall screens only")
        return self.live

    def media(self) -> LiveScreen | LiveListener:
        """The subscribe connection: a screen's, or a listening operator's."""
        if self.kind == OPERATOR:
            if self.listener is None:
                raise fail("invalid_state", "尚未监听 / not listening to a room")
            return self.listener
        return self.screen()

    def operator(self) -> Subject:
        if self.kind != OPERATOR or self.subject is None:
            raise fail("forbidden", "仅限指挥中心工作人员 / command staff only")
        return self.subject


class WallNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, app: web.Application, namespace: str = NAMESPACE) -> None:
        super().__init__(namespace)
        self.app = app
        self.sockets: dict[str, WallSocket] = {}
        self.versions: dict[str, int] = {}  # wall id -> last version seen on this node
        self._tasks: set[asyncio.Future[Any]] = set()
        # event -> (its request model, its handler); docs/protocol.md lists them
        self.events: dict[str, tuple[type[Body], Handler]] = {
            "sync": (Empty, self.sync),
            "visible": (VisibleRequest, self.visible),
            "subscribe": (Empty, self.subscribe),
            "subscribe-answer": (AnswerRequest, self.subscribe_answer),
            "keyframe": (ProducerRequest, self.keyframe),
            "watch": (WallRequest, self.watch),
            "unwatch": (WallRequest, self.unwatch),
            "listen": (ListenRequest, self.listen),
            "listen-stop": (Empty, self.listen_stop),
        }

    # -- telling everyone ------------------------------------------------------------
    async def wall_changed(self, wall_id: str, version: int) -> None:
        """The stored wall changed (REST, here): every screen and operator of it hears."""
        self.versions[wall_id] = max(version, self.versions.get(wall_id, 0))
        await self.emit(
            "wall-changed", {"wall": wall_id, "version": version}, room=wall_room(wall_id)
        )
        await self._end_revoked({wall_id})

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- dispatch ------------------------------------------------------------------------
    async def trigger_event(self, event: str, *args: Any) -> Any:
        if event == "connect":
            return await self.on_connect(*args)
        if event == "disconnect":
            return await self.on_disconnect(args[0])
        sid, rest = args[0], args[1:]
        if event == MALFORMED:
            return malformed_ack(rest)
        known = self.events.get(event)
        if known is None:
            return error_ack("unknown_event", f"未知的请求 {event!r} / unknown request")
        sock = self.sockets.get(sid)
        if sock is None:
            return error_ack("not_connected", "未连接 / not connected")
        model, handler = known

        async def call() -> dict[str, Any]:
            data = read_payload(rest, self.app[SIGNALING].max_message_bytes)
            return {"ok": True, **(await handler(sock, validate(model, data)) or {})}

        return await answer(call, f"wall event {event!r} from {sid}")

    async def on_connect(self, sid: str, environ: Any, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        screen = parse_screen_token(token)
        try:
            if screen is not None:
                sock = await self._connect_screen(sid, *screen)
            else:
                sock = await self._connect_operator(sid, token)
        except (TokenError, ScreenRefused) as exc:
            raise socketio.exceptions.ConnectionRefusedError(
                exc.message, {"code": exc.code, "message": exc.message}
            ) from None
        self.sockets[sid] = sock
        if sock.kind == OPERATOR:
            for room in await self._alarm_rooms(sock):
                await self.enter_room(sid, room)
        if sock.kind == OFFICE:
            await self.enter_room(sid, office_room(str(sock.token.org)))
        if sock.kind == SCREEN:
            assert sock.wall_id is not None
            await self.enter_room(sid, wall_room(sock.wall_id))
            await self.enter_room(sid, SCREENS_ROOM)
            sock.live = self.app[LIVE_WALLS].open(
                sid,
                f"{sock.wall_id}/{sock.number}",
                on_change=lambda: self._media_changed(sid),
                on_renegotiate=lambda: self._spawn(self.emit("renegotiate", {}, to=sid)),
            )

    async def _connect_screen(self, sid: str, wall_id: str, number: int, secret: str) -> WallSocket:
        async with self.app[DATABASE].session() as db:
            wall, _, _ = await check_screen_credential(db, wall_id, number, secret)
        self.versions.setdefault(wall.id, wall.version)
        return WallSocket(
            sid=sid,
            kind=SCREEN,
            wall_id=wall.id,
            number=number,
            credential_hash=hash_secret(secret),
        )

    async def _connect_operator(self, sid: str, raw: Any) -> WallSocket:
        token = verify(self.app[TOKEN_SECRET], raw)
        if token.room_scoped:
            raise TokenError("forbidden", "仅限指挥中心工作人员 / command staff only")
        async with self.app[DATABASE].session() as db:
            await check_session(db, token)
            subject = Subject.from_token(token, await domain.org_path(db, token.org))
        if policy.allowed(subject, policy.WALL_VIEW):
            return WallSocket(sid=sid, kind=OPERATOR, subject=subject, token=token)
        if policy.allowed(subject, policy.ROOM_JOIN) and token.org:
            # an office on duty: hears the command center's calls (roll-call, meetings)
            return WallSocket(sid=sid, kind=OFFICE, subject=subject, token=token)
        raise TokenError("forbidden", "仅限指挥中心及值班机构 / command center and offices only")

    async def _alarm_rooms(self, sock: WallSocket) -> list[str]:
        """An operator hears the alarms of its organisation's subtree (and a city
        administrator those of rooms outside the tree)."""
        subject = sock.subject
        assert subject is not None and subject.org_path
        own = subject.org_path.strip("/").split("/")[-1]
        rooms = [ALARM_ROOM_PREFIX + own]
        if subject.root_admin:
            rooms.append(ALARM_ROOM_PREFIX + "unowned")
        return rooms

    async def on_disconnect(self, sid: str) -> None:
        sock = self.sockets.pop(sid, None)
        if sock is None:
            return
        if sock.hint is not None:
            sock.hint.cancel()
        await self.app[LIVE_WALLS].close_screen(sid)
        if sock.listener is not None:
            await self._stop_listening(sock, "disconnected")
            await sock.listener.close()

    def _media_changed(self, sid: str) -> None:
        """A room a screen shows changed here: tell its page (folded, once per burst)."""
        sock = self.sockets.get(sid)
        if sock is None or sock.hint is not None:
            return

        def send() -> None:
            sock.hint = None
            self._spawn(self.emit("media-changed", {}, to=sid))

        sock.hint = asyncio.get_running_loop().call_later(MEDIA_CHANGE_DELAY_S, send)

    # -- screens ----------------------------------------------------------------------------
    async def _screen_row(self, sock: WallSocket) -> tuple[Wall, WallScreen, str]:
        async with self.app[DATABASE].session() as db:
            wall = await db.get(Wall, sock.wall_id)
            screen = None
            if wall is not None:
                screen = await db.scalar(
                    select(WallScreen).where(
                        WallScreen.wall_id == wall.id, WallScreen.number == sock.number
                    )
                )
            if wall is None or screen is None or screen.credential_hash != sock.credential_hash:
                self._spawn(self._end_screen(sock.sid))
                raise fail("screen_credential_invalid", "屏幕凭证无效或已撤销 / invalid or revoked")
            return wall, screen, await domain.org_path(db, wall.organisation_id) or ""

    async def sync(self, sock: WallSocket, data: Empty) -> dict[str, Any]:
        """What the screen shows now, tile by tile, with the streams it receives."""
        live = sock.screen()
        wall, screen, _ = await self._screen_row(sock)
        now = time.time()
        views = screen_views(screen.layout, screen.tiles, screen.enlarged, now)
        visible = visible_tiles(views, screen.enlarged, sock.visible)
        sources = [s for v in views for s in v.sources()]
        async with self.app[DATABASE].session() as db:
            labels = await tile_labels(db, sources)
            room_alarms = await open_alarms_for_rooms(
                db, {str(s["roomId"]) for s in sources if s.get("roomId")}
            )
        described = live.show(views, visible)
        recordings = self.app[RECORDINGS]
        for view, entry in zip(views, described, strict=True):
            entry["tour"] = view.tour
            for role in ("shown", "upcoming"):
                part = entry.get(role)
                if part is None:
                    continue
                part["label"] = labels.get(part["key"])
                room_id = part["source"].get("roomId")
                part["alarms"] = [
                    {
                        "id": a.id,
                        "kind": a.kind,
                        "level": a.level,
                        "cleared": a.cleared_at is not None,
                    }
                    for a in room_alarms.get(str(room_id), [])
                ]
                part["recording"] = bool(room_id and recordings.state(room_id).active)
        self.versions[wall.id] = max(wall.version, self.versions.get(wall.id, 0))
        return {
            "wall": {"id": wall.id, "name": wall.name, "version": wall.version},
            "screen": {
                "number": screen.number,
                "layout": parse_layout(screen.layout).as_dict(),
                "enlarged": screen.enlarged,
            },
            "tiles": described,
            "visible": sorted(visible),
            "now": now,
            "severityLevels": self.app[ROOMS_SETTINGS].severity_levels,
            "levelColours": self.app[COMMAND_CENTER_SETTINGS].level_colours,
            "iceServers": [{"urls": u} for u in self.app[MEDIA_SETTINGS].ice_servers],
        }

    async def visible(self, sock: WallSocket, data: VisibleRequest) -> dict[str, Any]:
        """The page says which tiles can be seen (a hidden page: none)."""
        sock.screen()
        sock.visible = set(data.tiles)
        return await self.sync(sock, Empty())

    async def subscribe(self, sock: WallSocket, data: Empty) -> dict[str, Any]:
        offer, consumers = await sock.media().subscribe()
        return {"sdp": offer, "consumers": consumers}

    async def subscribe_answer(self, sock: WallSocket, data: AnswerRequest) -> None:
        transport = sock.media().transport
        await transport.subscribe_answer(data.sdp)
        if transport.needs_subscribe_offer:
            await self.emit("renegotiate", {}, to=sock.sid)

    async def keyframe(self, sock: WallSocket, data: ProducerRequest) -> None:
        if not sock.screen().request_keyframe(data.producer_id):
            raise fail("not_found")

    async def _end_screen(self, sid: str) -> None:
        await self.emit(
            "screen-revoked",
            {"code": "screen_credential_invalid", "message": "屏幕凭证已撤销 / credential revoked"},
            to=sid,
        )
        await self.disconnect(sid)

    async def _end_revoked(self, wall_ids: set[str]) -> None:
        """Close this node's screens of these walls whose credential no longer holds."""
        screens = [s for s in self.sockets.values() if s.kind == SCREEN and s.wall_id in wall_ids]
        if not screens:
            return
        async with self.app[DATABASE].session() as db:
            rows = await db.execute(
                select(WallScreen.wall_id, WallScreen.number, WallScreen.credential_hash).where(
                    WallScreen.wall_id.in_(wall_ids)
                )
            )
            current: dict[tuple[str | None, int], str | None] = {
                (w, n): h for w, n, h in rows.all()
            }
        for sock in screens:
            if current.get((sock.wall_id, sock.number)) != sock.credential_hash:
                await self._end_screen(sock.sid)

    # -- operators ------------------------------------------------------------------------
    async def watch(self, sock: WallSocket, data: WallRequest) -> dict[str, Any]:
        subject = sock.operator()
        wall_id = data.wall
        async with self.app[DATABASE].session() as db:
            await check_session(db, sock.token)
            wall, _ = await walls.access_wall_by_id(db, subject, wall_id)
        await self.enter_room(sock.sid, wall_room(wall.id))
        sock.watching.add(wall.id)
        self.versions.setdefault(wall.id, wall.version)
        return {"wall": wall.id, "version": wall.version}

    async def listen(self, sock: WallSocket, data: ListenRequest) -> dict[str, Any]:
        """Hear one room's microphones (and only that room's), audited."""
        subject = sock.operator()
        room_id = data.room
        await self.app[DATABASE].run(lambda db: do_start_listening(db, subject, room_id, ip=None))
        if sock.listener is None:
            walls_here = self.app[LIVE_WALLS]
            sock.listener = LiveListener(
                sock.sid,
                options=walls_here.options,
                counters=walls_here.counters,
                on_renegotiate=lambda: self._spawn(self.emit("renegotiate", {}, to=sock.sid)),
            )
        elif sock.listener.room is not None:
            await self._stop_listening(sock, "switched")
        live = self.app[LIVE_ROOMS].get(room_id)
        if live is None or live.closed:
            sock.listener.stop()
            return {"room": room_id, "live": False, "producers": []}
        return {"room": room_id, "live": True, "producers": sock.listener.listen(live)}

    async def listen_stop(self, sock: WallSocket, data: Empty) -> None:
        sock.operator()
        if sock.listener is not None and sock.listener.room is not None:
            await self._stop_listening(sock, "stopped")

    async def _stop_listening(self, sock: WallSocket, reason: str) -> None:
        assert sock.listener is not None and sock.subject is not None
        room_id = sock.listener.stop()
        actor = sock.subject.id
        if room_id is not None:
            await self.app[DATABASE].run(
                lambda db: do_stop_listening(db, actor, room_id, reason=reason)
            )

    async def ring(self, organisation_ids: list[str], call: dict[str, Any]) -> None:
        """Ring the offices of a call (on every node, through Redis when set)."""
        for org_id in organisation_ids:
            await self.emit("call", call, room=office_room(org_id))

    async def call_changed(self, org_path: str | None, call: dict[str, Any]) -> None:
        """Tell the operators above an organisation that a call changed (answered,
        ended): they hear it on the socket.io rooms they hear its alarms on."""
        for room in alarm_rooms(org_path):
            await self.emit("call-changed", call, room=room)

    async def unwatch(self, sock: WallSocket, data: WallRequest) -> None:
        sock.operator()
        wall_id = data.wall
        if wall_id in sock.watching:
            sock.watching.discard(wall_id)
            await self.leave_room(sock.sid, wall_room(wall_id))

    # -- noticing changes made elsewhere ------------------------------------------------------
    def _walls_here(self) -> set[str]:
        here: set[str] = set()
        for sock in self.sockets.values():
            if sock.wall_id:
                here.add(sock.wall_id)
            here |= sock.watching
        return here

    async def poll_once(self) -> None:
        """Walls whose version moved (a command-line change, another node without
        Redis): their screens and operators on this node hear wall-changed."""
        here = self._walls_here()
        if not here:
            return
        async with self.app[DATABASE].session() as db:
            rows = (await db.execute(select(Wall.id, Wall.version).where(Wall.id.in_(here)))).all()
        moved = {w: v for w, v in rows if v > self.versions.get(w, 0)}
        for wall_id, version in moved.items():
            self.versions[wall_id] = version
            await self.emit(
                "wall-changed", {"wall": wall_id, "version": version}, room=wall_room(wall_id)
            )
        gone = here - {w for w, _ in rows}
        if moved or gone:
            await self._end_revoked(set(moved) | gone)


async def _poll_ctx(app: web.Application) -> AsyncIterator[None]:
    namespace = app[WALL_NAMESPACE]
    live = LiveWalls(app[LIVE_ROOMS], app[LIVE_ROOMS].options, app[MEDIA_COUNTERS])
    app[LIVE_WALLS] = live

    async def poll() -> None:
        interval = app[COMMAND_CENTER_SETTINGS].change_poll_s
        while True:
            await asyncio.sleep(interval)
            try:
                await namespace.poll_once()
            except Exception:
                logger.exception("wall version poll failed")

    task = asyncio.ensure_future(poll())
    yield
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    await live.close()


def setup(app: web.Application, server: socketio.AsyncServer) -> WallNamespace:
    namespace = WallNamespace(app)
    server.register_namespace(namespace)
    app[WALL_NAMESPACE] = namespace
    app.cleanup_ctx.append(_poll_ctx)
    return namespace


__all__ = ["NAMESPACE", "WallNamespace", "setup", "source_key", "wall_room"]
