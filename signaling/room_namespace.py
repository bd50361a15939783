"""socket.io namespace for mediation rooms: a thin adapter over rooms and recorder.

Each request is validated, authorised (rooms.policy), handed to an action
(rooms.admission, rooms.live_actions, a LiveRoom, recorder.control) and answered
with {ok: true, ...} or {ok: false, error: {code, message}}; see docs/protocol.md.
The namespace is also the rooms' Notifier: it carries what a live room says to
participants onto their sockets, and tells a room when its recording changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from aiohttp import web

from media.producer import Producer
from recorder.control import RecordingControl, RecordingStarted, RecordingStopped
from rooms import admission, live_actions, policy, users
from rooms.accounts import check_session
from rooms.live_events import ConsentMethod, LeaveReason, Source
from rooms.live_room import LiveParticipant, LiveRoom, participant_info, producer_info
from rooms.tokens import TokenError, verify
from signaling.agreement_events import AgreementEvents
from signaling.barge_in import BargeIns
from signaling.camera_captures import CameraCaptures
from signaling.decoder import MALFORMED, HubPacket, payload
from signaling.errors import MESSAGES, fail
from signaling.event_dispatch import answer, malformed_ack, validate
from signaling.keys import (
    CAMERA_CAPTURES,
    DATABASE,
    LIVE_ROOMS,
    MEDIA_SETTINGS,
    RECORDINGS,
    ROOM_NAMESPACE,
    SIGNALING,
    TOKEN_SECRET,
)
from signaling.lobby_events import LobbyEvents
from signaling.models import Body, Wire
from signaling.room_camera_events import CameraEvents
from signaling.room_cameras import sync_room
from signaling.room_messages import (
    AnswerRequest,
    ConsentAnswer,
    ConsentRequest,
    Empty,
    JoinAnswer,
    JoinRequest,
    LayerAnswer,
    LayerRequest,
    MuteParticipantRequest,
    ParticipantRequest,
    ProducerRequest,
    PublishAnswer,
    PublishRequest,
    RecordingAnswer,
    RecordingInfo,
    SubscribeAnswer,
    WaitingAnswer,
    ack,
    error_ack,
)
from signaling.session_events import SessionEvents
from signaling.socket_session import SocketSession

logger = logging.getLogger(__name__)

ONLY_MEDIATORS = "只有调解员可以执行此操作 / mediators only"
ONLY_MEDIATORS_RECORD = "只有调解员可以录制 / mediators only"
Handler = Callable[["SocketSession", Any], Awaitable[Wire | None]]
SEAT_TAKEN = (
    "此链接已在另一台设备上打开，本设备已退出"  # Chinese first
    " / this link was opened on another device; this one has left"
)
LAYERS_INDEX: dict[str, int | None] = {"low": 0, "mid": 1, "high": None}


class RoomNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, app: web.Application, namespace: str = "/") -> None:
        super().__init__(namespace)
        self.app = app
        self.sessions: dict[str, SocketSession] = {}
        self.sid_of: dict[str, str] = {}  # participant id -> current sid
        self._tasks: set[asyncio.Future[Any]] = set()
        # event -> (its request model, its handler); docs/protocol.md lists them
        self.events: dict[str, tuple[type[Body], Handler]] = {
            "join": (JoinRequest, self.join),
            "publish": (PublishRequest, self.publish),
            "subscribe": (Empty, self.subscribe),
            "subscribe-answer": (AnswerRequest, self.subscribe_answer),
            "mute": (ProducerRequest, self.mute),
            "unmute": (ProducerRequest, self.unmute),
            "keyframe": (ProducerRequest, self.keyframe),
            "set-preferred-layer": (LayerRequest, self.set_preferred_layer),
            "leave": (Empty, self.leave),
            "mute-participant": (MuteParticipantRequest, self.mute_participant),
            "remove-participant": (ParticipantRequest, self.remove_participant),
            "end-room": (Empty, self.end_room),
            "consent": (ConsentRequest, self.consent),
            "record-consent": (ParticipantRequest, self.record_consent),
            "record-start": (Empty, self.record_start),
            "record-stop": (Empty, self.record_stop),
        }
        # cameras in the room: their events live in signaling.room_camera_events
        self.captures = CameraCaptures(app)
        self.camera_events = CameraEvents(self)
        self.events.update(self.camera_events.events())
        # the session beyond media (hands, chat, minutes, screens), the waiting room,
        # the agreement and feedback: their own modules, their events listed here too
        self.session_events = SessionEvents(self)
        self.lobby_events = LobbyEvents(self)
        self.agreement_events = AgreementEvents(self)
        for part in (self.session_events, self.lobby_events, self.agreement_events):
            self.events.update(part.events())
        self.barge_in = BargeIns(app, self.to_room, self._spawn)

    def listen(self, recordings: RecordingControl) -> None:
        """Tell a room whenever its recording starts or stops."""
        recordings.observer.on(RecordingStarted, self._recording_changed)
        recordings.observer.on(RecordingStopped, self._recording_changed)

    def _recording_changed(self, event: RecordingStarted | RecordingStopped) -> None:
        state = self.recording_state(event.room)
        if isinstance(event, RecordingStopped):
            state["lastRecordingId"] = event.recording_id
        self.to_room(event.room.id, "recording", state)

    def recording_state(self, room: LiveRoom) -> dict[str, Any]:
        return self.app[RECORDINGS].state(room).as_dict()

    def recording_info(self, room: LiveRoom, last: str | None = None) -> RecordingInfo:
        state = {**self.recording_state(room), "lastRecordingId": last}
        return RecordingInfo.model_validate(state)

    # -- Notifier (rooms.live_room) ----------------------------------------------------
    def to_participant(self, participant_id: str, event: str, payload: dict[str, Any]) -> None:
        sid = self.sid_of.get(participant_id)
        if sid is not None:
            self._spawn(self.emit(event, payload, to=sid))

    def to_room(
        self, room_id: str, event: str, payload: dict[str, Any], *, skip: str | None = None
    ) -> None:
        skip_sid = self.sid_of.get(skip) if skip else None
        self._spawn(self.emit(event, payload, room=room_id, skip_sid=skip_sid))

    async def dismiss(
        self, room_id: str, participant_id: str, event: str, payload: dict[str, Any]
    ) -> None:
        """Tell one participant why, then close its socket."""
        sid = self.sid_of.pop(participant_id, None)
        if sid is None:
            return
        await self.emit(event, payload, to=sid)
        session = self.sessions.get(sid)
        if session is not None:
            session.room = session.participant = None
        await self.leave_room(sid, room_id)
        await self.disconnect(sid)  # queued after the notification, so it arrives first

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
        if event == MALFORMED:  # a packet signaling.decoder refused: answer why
            return malformed_ack(rest)
        known = self.events.get(event)
        if known is None:
            return error_ack("unknown_event", f"未知的请求 {event!r} / unknown request")
        session = self.sessions.get(sid)
        if session is None:
            return error_ack("not_joined", "未连接 / not connected")
        if not await self._session_live(session):
            return error_ack("session_ended", "登录已失效，请重新登录 / your session has ended")
        model, handler = known
        if event != "join" and session.participant is None:  # seated (not waiting) first
            return error_ack("not_joined", MESSAGES["not_joined"])

        async def call() -> dict[str, Any]:
            data = payload(rest, self.app[SIGNALING].max_message_bytes)
            return ack(await handler(session, validate(model, data)))

        return await answer(call, f"event {event!r} from {sid}")

    async def on_connect(self, sid: str, environ: Any, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            access = verify(self.app[TOKEN_SECRET], token)
            async with self.app[DATABASE].session() as db:
                await check_session(db, access)
                # a staff login (or its seat) whose password an administrator set
                refusal = (
                    await users.account_refusal(db, access.sub) if access.needs_session else None
                )
            if refusal is not None:
                raise TokenError(*refusal)
        except TokenError as exc:
            raise socketio.exceptions.ConnectionRefusedError(
                exc.message, {"code": exc.code, "message": exc.message}
            ) from None
        self.sessions[sid] = SocketSession(
            sid=sid, token=access, checked_at=asyncio.get_running_loop().time()
        )

    async def _session_live(self, session: SocketSession) -> bool:
        """A staff socket's login session, looked at again every session_recheck_s
        (a logout on another node reaches this one so); ended: the socket closes."""
        if not session.token.needs_session:
            return True
        now = asyncio.get_running_loop().time()
        if now - session.checked_at < self.app[SIGNALING].session_recheck_s:
            return True
        try:
            async with self.app[DATABASE].session() as db:
                await check_session(db, session.token)
        except TokenError:
            await self._close_ended(session.sid)
            return False
        session.checked_at = now
        return True

    async def end_staff_sockets(
        self, user_id: str, *, only_session: str | None = None, keep_session: str | None = None
    ) -> None:
        """Close this node's sockets of a user's ended login sessions (logout: one
        session; password change: all but the one that changed it; disable: all)."""
        for session in list(self.sessions.values()):
            token = session.token
            if not token.needs_session or token.sub != user_id:
                continue
            if only_session is not None and token.sid != only_session:
                continue
            if keep_session is not None and token.sid == keep_session:
                continue
            await self._close_ended(session.sid)

    async def _close_ended(self, sid: str) -> None:
        await self.emit(
            "session-ended",
            {"code": "session_ended", "message": "登录已失效，请重新登录 / your session has ended"},
            to=sid,
        )
        self._spawn(self.disconnect(sid))

    async def on_disconnect(self, sid: str) -> None:
        session = self.sessions.pop(sid, None)
        if session is not None:
            self.lobby_events.disconnected(session)
        if session is None or session.participant is None or session.room is None:
            return
        pid = session.participant.id
        if self.barge_in.left(pid):  # an operator's socket went: its voice goes too
            if self.sid_of.get(pid) == sid:
                del self.sid_of[pid]
            await live_actions.end_seat(
                self.app[DATABASE], session.room, session.participant, LeaveReason.LEFT
            )
            return
        if self.sid_of.get(pid) == sid:
            del self.sid_of[pid]
            session.room.disconnected(pid)

    # -- joining --------------------------------------------------------------------------
    async def join(self, session: SocketSession, data: JoinRequest) -> JoinAnswer | WaitingAnswer:
        if session.participant is not None:
            raise fail("already_joined")
        if data.room in (None, session.token.room):  # a party's link: its lobby first
            stored = await self.lobby_events.must_wait(session.token)
            if stored is not None:
                return await self.lobby_events.wait(session, stored, session.token)
        session.waiting = None
        if data.barge_in:
            await self.barge_in.check(session.token, session.token.room or data.room)
        ticket = await admission.admit(
            self.app[DATABASE],
            self.app[LIVE_ROOMS],
            session.token,
            room_id=data.room,
            consent=data.consent,
        )
        old_sid = self.sid_of.get(ticket.participant_id)
        taken_over = old_sid is not None and old_sid != session.sid
        if taken_over:  # the same link (or login) opened elsewhere: that device is told first
            await self.emit("seat-taken", {"code": "seat_taken", "message": SEAT_TAKEN}, to=old_sid)
        self.sid_of[ticket.participant_id] = session.sid  # before join: notices skip this socket
        try:
            room, participant, resumed = await admission.enter(self.app[LIVE_ROOMS], ticket)
        except BaseException:
            if self.sid_of.get(ticket.participant_id) == session.sid:
                del self.sid_of[ticket.participant_id]
            raise
        session.room, session.participant = room, participant
        if data.barge_in:
            self.barge_in.joined(participant.id, session.token.sub)
        await self.enter_room(session.sid, room.id)
        await sync_room(self.app, room)  # cameras attached while nobody was here
        if taken_over and old_sid is not None:
            old = self.sessions.pop(old_sid, None)
            if old is not None:
                old.participant = None
            logger.info("room %s: seat %s taken over by another device", room.id, participant.id)
            self._spawn(self.disconnect(old_sid))
        return JoinAnswer.model_validate(
            {
                "room": {"id": room.id, "name": room.name, "state": ticket.state},
                "self": participant_info(participant),
                "permissions": [  # cameras are of an organisation: a CLI mediator has none
                    p
                    for p in policy.room_permissions(participant.role)
                    if session.token.org is not None or not p.startswith("camera.")
                ],
                "resumed": resumed,
                "participants": [
                    participant_info(p) for p in room.participants if p.id != participant.id
                ],
                "iceServers": [{"urls": u} for u in self.app[MEDIA_SETTINGS].ice_servers],
                "consents": [c.as_dict() for c in room.consents.values()],
                "recording": self.recording_state(room),
                "cameras": room.visible_cameras(participant),
                **await self.session_events.join_extras(room, participant),
                **self.lobby_events.extras(room.id, participant),
                **await self.agreement_events.extras(room),
                "commandSpeaking": self.barge_in.speaking_in(room.id),
            }
        )

    async def leave(self, session: SocketSession, data: Empty) -> None:
        room, participant = session.joined()
        await self.leave_room(session.sid, room.id)
        self.sid_of.pop(participant.id, None)
        self.barge_in.left(participant.id)
        session.room = session.participant = None
        await live_actions.end_seat(self.app[DATABASE], room, participant, LeaveReason.LEFT)

    # -- consent and recording -----------------------------------------------------------
    async def consent(self, session: SocketSession, data: ConsentRequest) -> ConsentAnswer:
        """The participant accepted the recording notice on its page."""
        room, participant = session.joined()
        record = await room.record_consent(participant, method=ConsentMethod.PAGE)
        return ConsentAnswer.model_validate({"consent": record.as_dict()})

    async def record_consent(
        self, session: SocketSession, data: ParticipantRequest
    ) -> ConsentAnswer:
        """The mediator records that a participant consented verbally."""
        room, mediator, target = self._moderate(session, data)
        record = await room.record_consent(
            target, method=ConsentMethod.VERBAL, recorded_by=mediator.id
        )
        return ConsentAnswer.model_validate({"consent": record.as_dict()})

    async def record_start(self, session: SocketSession, data: Empty) -> RecordingAnswer:
        """The mediator starts recording; every invitee present must have consented."""
        room, participant = session.may(policy.ROOM_MODERATE, ONLY_MEDIATORS_RECORD)
        await self.app[RECORDINGS].start(room, participant)
        return RecordingAnswer(recording=self.recording_info(room))

    async def record_stop(self, session: SocketSession, data: Empty) -> RecordingAnswer:
        room, participant = session.may(policy.ROOM_MODERATE, ONLY_MEDIATORS_RECORD)
        recording_id = await self.app[RECORDINGS].stop_by(room, participant)
        return RecordingAnswer(recording=self.recording_info(room, recording_id))

    # -- media ------------------------------------------------------------------------------
    async def publish(self, session: SocketSession, data: PublishRequest) -> PublishAnswer:
        room, participant = session.may(
            policy.ROOM_PUBLISH, "旁听者不能发布音视频 / observers watch and listen only"
        )
        source = Source(data.source) if data.source else None
        if source == Source.SCREEN:  # mediators, one screen in a room at a time
            self.session_events.check_screen(room, participant)
        answer, producers = await room.publish(participant, data.sdp, source)
        self.barge_in.published(room, participant, producers)
        return PublishAnswer.model_validate(
            {"sdp": answer, "producers": [producer_info(p) for p in producers]}
        )

    async def subscribe(self, session: SocketSession, data: Empty) -> SubscribeAnswer:
        room, participant = session.joined()
        offer, consumers = await room.subscribe(participant)
        return SubscribeAnswer.model_validate({"sdp": offer, "consumers": consumers})

    async def subscribe_answer(self, session: SocketSession, data: AnswerRequest) -> None:
        room, participant = session.joined()
        await room.subscribe_answer(participant, data.sdp)

    def _own_producer(
        self, session: SocketSession, data: ProducerRequest
    ) -> tuple[LiveRoom, LiveParticipant, Producer]:
        room, participant = session.joined()
        producer = room.find_producer(data.producer_id)
        if producer is None or producer.app_data.get("participant") != participant.id:
            raise fail("not_found")
        return room, participant, producer

    async def mute(self, session: SocketSession, data: ProducerRequest) -> None:
        room, participant, producer = self._own_producer(session, data)
        room.set_paused(producer, True, by=participant.id)

    async def unmute(self, session: SocketSession, data: ProducerRequest) -> None:
        room, participant, producer = self._own_producer(session, data)
        if producer.app_data.get("muted_by_moderator") and not policy.may_in_room(
            participant.role, policy.ROOM_MODERATE
        ):
            raise fail("forbidden", "调解员已将您静音 / the mediator muted you")
        room.set_paused(producer, False, by=participant.id)

    async def keyframe(self, session: SocketSession, data: ProducerRequest) -> None:
        room, _ = session.joined()
        producer = room.find_producer(data.producer_id)
        if producer is None:
            raise fail("not_found")
        producer.request_keyframe()

    async def set_preferred_layer(self, session: SocketSession, data: LayerRequest) -> LayerAnswer:
        room, participant = session.joined()
        target = data.consumer_id or data.producer_id or ""
        consumer = room.set_preferred_layer(participant, target, LAYERS_INDEX[data.layer])
        return LayerAnswer(consumer_id=consumer.id, layers=consumer.layer_count)

    # -- moderation -------------------------------------------------------------------------
    def _moderate(
        self, session: SocketSession, data: ParticipantRequest
    ) -> tuple[LiveRoom, LiveParticipant, LiveParticipant]:
        room, participant = session.may(policy.ROOM_MODERATE, ONLY_MEDIATORS)
        target = room.get(data.participant_id)
        if target is None:
            raise fail("not_found")
        return room, participant, target

    async def mute_participant(self, session: SocketSession, data: MuteParticipantRequest) -> None:
        room, participant, target = self._moderate(session, data)
        for producer in target.producers:
            if producer.kind == data.kind:
                producer.app_data["muted_by_moderator"] = True
                room.set_paused(producer, True, by=participant.id)

    async def remove_participant(self, session: SocketSession, data: ParticipantRequest) -> None:
        room, moderator, target = self._moderate(session, data)
        if not policy.may_remove(target.role):
            raise fail("forbidden", "不能移出调解员 / mediators cannot be removed")
        await live_actions.remove_participant(
            self.app[DATABASE], room, target, actor=moderator.subject
        )

    async def end_room(self, session: SocketSession, data: Empty) -> None:
        room, participant = session.may(policy.ROOM_END, "只有调解员可以结束调解 / mediators only")
        # the mediator gets its ack; its page closes the socket itself
        self.sid_of.pop(participant.id, None)
        session.room = session.participant = None
        await self.leave_room(session.sid, room.id)
        await live_actions.end_room(
            self.app[DATABASE], self.app[LIVE_ROOMS], room.id, actor=participant.subject
        )
        await self.lobby_events.room_ended(room.id)  # nobody waits on


def setup(app: web.Application, *, client_manager: Any = None) -> RoomNamespace:
    """Attach the socket.io server (at /socket.io/) to the aiohttp app."""
    server = socketio.AsyncServer(
        async_mode="aiohttp",
        serializer=HubPacket,  # signaling.decoder: every event packet gets its ack
        client_manager=client_manager,
        cors_allowed_origins=None,  # same origin only
        max_http_buffer_size=1_000_000,
        logger=False,
        engineio_logger=False,
    )
    namespace = RoomNamespace(app)
    server.register_namespace(namespace)
    app[ROOM_NAMESPACE] = namespace
    app[CAMERA_CAPTURES] = namespace.captures

    async def stop_pdf_worker(app: web.Application) -> None:
        namespace.agreement_events.close()

    app.on_shutdown.append(stop_pdf_worker)
    server.attach(app)

    async def stop_captures(app: web.Application) -> None:
        await namespace.captures.stop_all()

    app.on_shutdown.append(stop_captures)
    return namespace
