"""socket.io namespace for mediation rooms: thin handlers over rooms.live_room.

Every request is validated here and answered with {ok: true, ...} or
{ok: false, error: {code, message}}; see docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import socketio
from aiohttp import web

from media.errors import InvalidSdpError, InvalidStateError, MediaError, UnsupportedCodecError
from media.peer_transport import MAX_SDP_BYTES
from recorder.recording import ConsentMissing
from rooms import actions, domain, policy
from rooms.accounts import check_session
from rooms.live_room import (
    LEFT,
    REMOVED,
    LiveParticipant,
    LiveRoom,
    RoomError,
    participant_info,
    producer_info,
)
from rooms.models import ROOM_ENDED as STORED_ROOM_ENDED
from rooms.models import Invitation
from rooms.tokens import (
    OBSERVER,
    ROLES,
    AccessToken,
    TokenError,
    verify,
)
from signaling import retention
from signaling.camera_captures import CameraCaptures
from signaling.decoder import MALFORMED, HubPacket, choice, flag, payload, text
from signaling.errors import SignalingError, error, fail, ok
from signaling.keys import (
    CAMERA_CAPTURES,
    CONFIG,
    DATABASE,
    LIVE_ROOMS,
    RECORDINGS,
    ROOM_NAMESPACE,
    TOKEN_SECRET,
)
from signaling.recording import Recordings
from signaling.room_camera_events import CameraEvents
from signaling.room_cameras import sync_room
from signaling.room_ending import end_room

logger = logging.getLogger(__name__)

Handler = Callable[["SocketSession", dict[str, Any]], Awaitable[dict[str, Any] | None]]
MODERATOR_ROLES = tuple(
    role for role in policy.ROLE_ACTIONS if policy.may_in_room(role, policy.ROOM_MODERATE)
)
SOURCES = ("camera", "mic", "screen")


@dataclass
class SocketSession:
    sid: str
    token: AccessToken
    room: LiveRoom | None = None
    participant: LiveParticipant | None = None
    checked_at: float = 0.0  # loop time the login session was last found live

    def joined(self) -> tuple[LiveRoom, LiveParticipant]:
        if self.room is None or self.participant is None or self.room.closed:
            raise fail("not_joined")
        if self.room.get(self.participant.id) is not self.participant:
            raise fail("not_joined")
        return self.room, self.participant


class RoomNamespace(socketio.AsyncNamespace):  # type: ignore[misc]
    def __init__(self, app: web.Application, namespace: str = "/") -> None:
        super().__init__(namespace)
        self.app = app
        self.sessions: dict[str, SocketSession] = {}
        self.sid_of: dict[str, str] = {}  # participant id -> current sid
        self._tasks: set[asyncio.Future[Any]] = set()
        self._handlers: dict[str, Handler] = {
            "join": self.join,
            "publish": self.publish,
            "subscribe": self.subscribe,
            "subscribe-answer": self.subscribe_answer,
            "mute": self.mute,
            "unmute": self.unmute,
            "keyframe": self.keyframe,
            "leave": self.leave,
            "mute-participant": self.mute_participant,
            "remove-participant": self.remove_participant,
            "end-room": self.end_room,
            "consent": self.consent,
            "record-consent": self.record_consent,
            "record-start": self.record_start,
            "record-stop": self.record_stop,
        }
        self.recordings = Recordings(app)
        self.required: dict[str, bool] = {}  # room id -> recording required by policy
        # cameras in the room: their events live in signaling.room_camera_events
        self.captures = CameraCaptures(app)
        self.camera_events = CameraEvents(self)
        self._handlers.update(self.camera_events.handlers())

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
            detail = rest[0] if rest and isinstance(rest[0], dict) else {}
            return error(
                str(detail.get("code", "bad_request")),
                str(detail.get("message", "请求格式错误 / malformed request")),
            )
        handler = self._handlers.get(event)
        if handler is None:
            return error("unknown_event", f"未知的请求 {event!r} / unknown request")
        session = self.sessions.get(sid)
        if session is None:
            return error("not_joined", "未连接 / not connected")
        if not await self._session_live(session):
            return error("session_ended", "登录已失效，请重新登录 / your session has ended")
        try:
            data = payload(rest, self.app[CONFIG].signaling.max_message_bytes)
            return ok(await handler(session, data))
        except SignalingError as exc:
            return error(exc.code, exc.message)
        except RoomError as exc:
            return error(exc.code, exc.message)
        except UnsupportedCodecError as exc:
            return error("unsupported_codec", str(exc))
        except InvalidSdpError as exc:
            return error("invalid_sdp", str(exc))
        except InvalidStateError as exc:
            return error("invalid_state", str(exc))
        except MediaError as exc:
            return error("invalid_state", str(exc))
        except Exception:
            logger.exception("event %r from %s failed", event, sid)
            return error("internal", "服务器内部错误 / internal server error")

    async def on_connect(self, sid: str, environ: Any, auth: Any = None) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            access = verify(self.app[TOKEN_SECRET], token)
            async with self.app[DATABASE].session() as db:
                await check_session(db, access)
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
        if now - session.checked_at < self.app[CONFIG].signaling.session_recheck_s:
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
        if session is None or session.participant is None or session.room is None:
            return
        pid = session.participant.id
        if self.sid_of.get(pid) == sid:
            del self.sid_of[pid]
            session.room.disconnected(pid)

    # -- requests --------------------------------------------------------------------------
    async def join(self, session: SocketSession, data: dict[str, Any]) -> dict[str, Any]:
        if session.participant is not None:
            raise fail("already_joined")
        token = session.token
        if token.role not in ROLES:
            raise fail("forbidden")
        if token.room_scoped and data.get("room") not in (None, token.room):
            raise fail("forbidden", "此链接只能进入指定的调解室 / this link opens one room only")
        room_id = token.room or text(data, "room", max_len=64, strip=False)
        consent = flag(data, "consent")
        database = self.app[DATABASE]
        async with database.session() as db:
            stored = await actions.get_room(db, room_id)
            if stored is None:
                raise fail("room_not_found")
            if stored.state == STORED_ROOM_ENDED:
                raise fail("room_ended")
            required = await self._recording_required(db, stored)
        if required and token.invited and not consent:
            live = self.app[LIVE_ROOMS].get(stored.id)
            before = live.by_subject(token.sub) if live else None
            if before is None or before.id not in live.consents:  # type: ignore[union-attr]
                raise fail(
                    "consent_required",
                    "本次调解依规定全程录音录像，同意后方可进入"
                    " / this session must be recorded: accept the notice to join",
                )
        live = self.app[LIVE_ROOMS].get(stored.id)
        existing = live.by_subject(token.sub) if live is not None and not live.closed else None
        participant_id: str = await database.run(
            lambda db: self._admit(db, token, stored.id, existing.id if existing else None)
        )
        config = self.app[CONFIG]  # admitted: now the live room may open
        room = self.app[LIVE_ROOMS].open(
            stored.id,
            stored.name,
            self,
            reconnect_grace_s=config.signaling.reconnect_grace_s,
            empty_timeout_s=config.rooms.empty_timeout_s,
        )
        old_sid = self.sid_of.get(participant_id)
        if old_sid and old_sid != session.sid:
            # the same link (or login) opened elsewhere: that device is told first
            await self.emit(
                "seat-taken",
                {
                    "code": "seat_taken",
                    "message": "此链接已在另一台设备上打开，本设备已退出"
                    " / this link was opened on another device; this one has left",
                },
                to=old_sid,
            )
        self.sid_of[participant_id] = session.sid  # before join: its notices skip this socket
        try:
            participant, resumed = await room.join(
                subject=token.sub, name=token.name, role=token.role, participant_id=participant_id
            )
        except BaseException:
            if self.sid_of.get(participant_id) == session.sid:
                del self.sid_of[participant_id]
            raise
        session.room, session.participant = room, participant
        await self.enter_room(session.sid, room.id)
        if consent and participant.id not in room.consents:
            given = room.record_consent(
                participant, method="page", notice_sha256=self._notice_sha256()
            )
            self.recordings.consent_given(room.id, given)
        self.recordings.staff_joined(room.id, participant)
        await sync_room(self.app, room)  # cameras attached while nobody was here
        if required:
            await self._start_required_recording(room, stored, participant)
        if old_sid and old_sid != session.sid:
            old = self.sessions.pop(old_sid, None)
            if old is not None:
                old.participant = None
            logger.info("room %s: seat %s taken over by another device", room.id, participant.id)
            self._spawn(self.disconnect(old_sid))
        return {
            "room": {"id": stored.id, "name": stored.name, "state": stored.state},
            "self": participant_info(participant),
            "permissions": [  # cameras are of an organisation: a CLI mediator has none
                p
                for p in policy.room_permissions(participant.role)
                if token.org is not None or not p.startswith("camera.")
            ],
            "resumed": resumed,
            "participants": [
                participant_info(p) for p in room.participants if p.id != participant.id
            ],
            "cameras": room.visible_cameras(participant),
            "iceServers": [{"urls": u} for u in config.media.ice_servers],
            "consents": [c.as_dict() for c in room.consents.values()],
            "recording": self.recording_state(room.id),
        }

    async def _admit(
        self, db: Any, token: AccessToken, room_id: str, participant_id: str | None
    ) -> str:
        """One unit of work: may this token enter this stored room (again)? An
        invitation link uses up a use on a subject's first entry (a reload or
        reconnect doesn't count again) and is refused, first entry or not, once
        revoked. Returns the participant id, a new stored participant (audited)
        when the live room doesn't know this subject."""
        stored = await actions.get_room(db, room_id)
        if stored is None:
            raise fail("room_not_found")
        if stored.state == STORED_ROOM_ENDED:
            raise fail("room_ended")
        if token.room_scoped:
            if token.room != stored.id:
                raise fail(
                    "forbidden", "此链接只能进入指定的调解室 / this link opens one room only"
                )
            if token.inv:
                await self._check_invitation(db, token, stored.id)
        else:
            subject = policy.Subject.from_token(token, await domain.org_path(db, token.org))
            try:
                policy.authorize(
                    subject,
                    policy.ROOM_JOIN,
                    org_path=await domain.org_path(db, stored.organisation_id) or policy.UNOWNED,
                    room_id=stored.id,
                )
            except policy.Denied as exc:
                raise fail(exc.code, exc.message) from None
        if participant_id is not None:
            return participant_id
        row = await actions.do_add_participant(
            db,
            stored,
            subject=token.sub,
            display_name=token.name,
            role=token.role,
            invitation=token.inv,
        )
        return row.id

    async def _check_invitation(self, db: Any, token: AccessToken, room_id: str) -> None:
        invitation = await db.get(Invitation, token.inv)
        if invitation is None or invitation.room_id != room_id:
            raise fail("token_invalid", "邀请无效 / invalid invitation")
        if invitation.revoked_at is not None:
            raise fail("invitation_revoked", "邀请已被撤销 / invitation revoked")
        if not await actions.has_joined(db, room_id, token.sub):
            try:
                await domain.do_redeem_invitation(db, invitation.id)
            except domain.DomainError as exc:
                raise fail(exc.code, exc.message) from None

    async def _recording_required(self, db: Any, stored: Any) -> bool:
        """Does the organisation's policy require recording this (case) room?"""
        rules = await retention.policy_for(self.app, db, stored.organisation_id)
        required = bool(stored.case_id) and rules.required
        self.required[stored.id] = required
        return required

    def recording_state(self, room_id: str) -> dict[str, Any]:
        return {**self.recordings.state(room_id), "required": self.required.get(room_id, False)}

    async def _start_required_recording(
        self, room: LiveRoom, stored: Any, by: LiveParticipant
    ) -> None:
        """Recording is required here: start it as soon as everyone present consented
        (parties consent to join; one who joined before the policy may still owe it)."""
        if self.recordings.state(room.id)["active"]:
            return
        try:
            await self.recordings.start(room, stored, by, required=True)
        except ConsentMissing as exc:
            logger.info("room %s: required recording waits for consent of %s", room.id, exc)
            return
        self.to_room(room.id, "recording", self.recording_state(room.id))

    async def _consent_changed(self, room: LiveRoom, by: LiveParticipant) -> None:
        if self.required.get(room.id):
            async with self.app[DATABASE].session() as db:
                stored = await actions.get_room(db, room.id)
            if stored is not None:
                await self._start_required_recording(room, stored, by)

    def _notice_sha256(self) -> str:
        rooms_config = self.app[CONFIG].rooms
        notice = f"{rooms_config.consent_notice_zh}\n{rooms_config.consent_notice_en}"
        return hashlib.sha256(notice.encode()).hexdigest()

    async def consent(self, session: SocketSession, data: dict[str, Any]) -> dict[str, Any]:
        """The participant accepted the recording notice on its page."""
        room, participant = session.joined()
        if data.get("accepted") is not True:
            raise fail("bad_request", "需要 accepted: true / accepted must be true")
        record = room.consents.get(participant.id)
        if record is None:
            record = room.record_consent(
                participant, method="page", notice_sha256=self._notice_sha256()
            )
            self.recordings.consent_given(room.id, record)
            await self._consent_changed(room, participant)
        return {"consent": record.as_dict()}

    async def record_consent(self, session: SocketSession, data: dict[str, Any]) -> dict[str, Any]:
        """The mediator records that a participant consented verbally."""
        room, mediator, target = self._moderate(session, data)
        record = room.consents.get(target.id)
        if record is None:
            record = room.record_consent(
                target,
                method="verbal",
                notice_sha256=self._notice_sha256(),
                recorded_by=mediator.id,
            )
            self.recordings.consent_given(room.id, record)
            await self._consent_changed(room, mediator)
        return {"consent": record.as_dict()}

    async def record_start(self, session: SocketSession, data: dict[str, Any]) -> dict[str, Any]:
        """The mediator starts recording; every party present must have consented."""
        room, participant = session.joined()
        if participant.role not in MODERATOR_ROLES:
            raise fail("forbidden", "只有调解员可以录制 / mediators only")
        async with self.app[DATABASE].session() as db:
            stored = await actions.get_room(db, room.id)
        if stored is None:
            raise fail("room_not_found")
        try:
            state = await self.recordings.start(room, stored, participant)
        except ConsentMissing as exc:
            raise fail(
                "consent_missing", f"以下当事人尚未同意录制 / not consented yet: {exc}"
            ) from None
        state = self.recording_state(room.id)
        self.to_room(room.id, "recording", state)
        return {"recording": state}

    async def record_stop(self, session: SocketSession, data: dict[str, Any]) -> dict[str, Any]:
        room, participant = session.joined()
        if participant.role not in MODERATOR_ROLES:
            raise fail("forbidden", "只有调解员可以录制 / mediators only")
        if self.required.get(room.id):
            raise fail(
                "recording_required",
                "本机构要求全程录制，调解结束时自动停止"
                " / recording is required here; it stops when the room ends",
            )
        recording_id = await self.recordings.stop(room.id, actor=participant.subject)
        state = {**self.recording_state(room.id), "lastRecordingId": recording_id}
        self.to_room(room.id, "recording", state)
        return {"recording": state}

    async def publish(self, session: SocketSession, data: dict[str, Any]) -> dict[str, Any]:
        room, participant = session.joined()
        if participant.role == OBSERVER:
            raise fail("forbidden", "旁听者不能发布音视频 / observers watch and listen only")
        sdp = text(data, "sdp", max_len=MAX_SDP_BYTES, strip=False)
        source = choice(data, "source", SOURCES, required=False)
        answer, producers = await room.publish(participant, sdp or "", source)
        return {"sdp": answer, "producers": [producer_info(p) for p in producers]}

    async def subscribe(self, session: SocketSession, data: dict[str, Any]) -> dict[str, Any]:
        room, participant = session.joined()
        offer, consumers = await room.subscribe(participant)
        return {"sdp": offer, "consumers": consumers}

    async def subscribe_answer(self, session: SocketSession, data: dict[str, Any]) -> None:
        room, participant = session.joined()
        await room.subscribe_answer(
            participant, text(data, "sdp", max_len=MAX_SDP_BYTES, strip=False)
        )

    def _own_producer(self, session: SocketSession, data: dict[str, Any]) -> Any:
        room, participant = session.joined()
        producer_id = text(data, "producerId", max_len=64, strip=False)
        producer = room.find_producer(producer_id)
        if producer is None or producer.app_data.get("participant") != participant.id:
            raise fail("not_found")
        return room, participant, producer

    async def mute(self, session: SocketSession, data: dict[str, Any]) -> None:
        room, participant, producer = self._own_producer(session, data)
        room.set_paused(producer, True, by=participant.id)

    async def unmute(self, session: SocketSession, data: dict[str, Any]) -> None:
        room, participant, producer = self._own_producer(session, data)
        if producer.app_data.get("muted_by_moderator") and participant.role not in MODERATOR_ROLES:
            raise fail("forbidden", "调解员已将您静音 / the mediator muted you")
        room.set_paused(producer, False, by=participant.id)

    async def keyframe(self, session: SocketSession, data: dict[str, Any]) -> None:
        room, _ = session.joined()
        producer = room.find_producer(text(data, "producerId", max_len=64, strip=False))
        if producer is None:
            raise fail("not_found")
        producer.request_keyframe()

    async def leave(self, session: SocketSession, data: dict[str, Any]) -> None:
        room, participant = session.joined()
        await self.leave_room(session.sid, room.id)
        self.sid_of.pop(participant.id, None)
        session.room = session.participant = None
        await room.leave(participant.id, LEFT)
        await self.mark_left(participant.id, LEFT)

    async def mark_left(self, participant_id: str, reason: str, actor: str | None = None) -> None:
        await self.app[DATABASE].run(
            lambda db: actions.do_mark_participant_left(
                db, participant_id, reason=reason, actor=actor
            )
        )

    def _moderate(self, session: SocketSession, data: dict[str, Any]) -> tuple[LiveRoom, Any, Any]:
        room, participant = session.joined()
        if participant.role not in MODERATOR_ROLES:
            raise fail("forbidden", "只有调解员可以执行此操作 / mediators only")
        target = room.get(text(data, "participantId", max_len=64, strip=False))
        if target is None:
            raise fail("not_found")
        return room, participant, target

    async def mute_participant(self, session: SocketSession, data: dict[str, Any]) -> None:
        room, participant, target = self._moderate(session, data)
        kind = choice(data, "kind", ("audio", "video"))
        for producer in target.producers:
            if producer.kind == kind:
                producer.app_data["muted_by_moderator"] = True
                room.set_paused(producer, True, by=participant.id)

    async def remove_participant(self, session: SocketSession, data: dict[str, Any]) -> None:
        room, moderator, target = self._moderate(session, data)
        if target.role in MODERATOR_ROLES:
            raise fail("forbidden", "不能移出调解员 / mediators cannot be removed")
        await self.expel(room, target.id, "removed", {"reason": REMOVED})
        await room.leave(target.id, REMOVED)
        await self.mark_left(target.id, REMOVED, actor=moderator.subject)

    async def end_room(self, session: SocketSession, data: dict[str, Any]) -> None:
        room, participant = session.joined()
        if not policy.may_in_room(participant.role, policy.ROOM_END):
            raise fail("forbidden", "只有调解员可以结束调解 / mediators only")
        # the mediator gets its ack; its page closes the socket itself
        self.sid_of.pop(participant.id, None)
        session.room = session.participant = None
        await self.leave_room(session.sid, room.id)
        await end_room(self.app, room.id, actor=participant.subject)

    async def expel(
        self, room: LiveRoom, participant_id: str, event: str, payload: dict[str, Any]
    ) -> None:
        """Tell one participant why, then close its socket (it stays in the live
        room: the caller makes it leave)."""
        sid = self.sid_of.pop(participant_id, None)
        if sid is None:
            return
        await self.emit(event, payload, to=sid)
        session = self.sessions.get(sid)
        if session is not None:
            session.room = session.participant = None
        await self.leave_room(sid, room.id)
        await self.disconnect(sid)  # queued after the notification, so it arrives first

    async def end_invitation_seats(self, invitation: Invitation, *, actor: str) -> list[str]:
        """A revoked invitation: everyone seated with it is told (`removed`, reason
        `invitation_revoked`), disconnected and leaves the room. Returns their ids."""
        room = self.app[LIVE_ROOMS].get(invitation.room_id)
        if room is None or room.closed:
            return []
        seated = [
            p for p in room.participants if p.subject == domain.invitation_subject(invitation.id)
        ]
        for participant in seated:
            await self.expel(room, participant.id, "removed", {"reason": "invitation_revoked"})
            await room.leave(participant.id, REMOVED)
            await self.mark_left(participant.id, "invitation_revoked", actor=actor)
        return [p.id for p in seated]


def setup(app: web.Application, *, client_manager: Any = None) -> socketio.AsyncServer:
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
    app[RECORDINGS] = namespace.recordings
    app[CAMERA_CAPTURES] = namespace.captures
    server.attach(app)

    async def seal_recordings(app: web.Application) -> None:
        await namespace.captures.stop_all()
        await namespace.recordings.stop_all()

    app.on_shutdown.append(seal_recordings)
    return server
