"""socket.io events of a mediation session beyond media (docs/protocol.md,
"The session"): raise a hand and be given the floor, chat kept with the case,
the mediator's minutes, and who may share a screen. Thin: validate, authorise,
call an action in a unit of work, tell the room.

The agreement and feedback events are in signaling.agreement_events; the
waiting room's in signaling.lobby_events.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rooms import actions, policy
from rooms.live_room import LiveParticipant, LiveRoom
from rooms.models import Room, RoomMinutes
from rooms.session_record import (
    Author,
    chat_json,
    do_post_chat_message,
    do_save_minutes,
    minutes_json,
    room_chat,
)
from signaling.errors import fail
from signaling.keys import DATABASE
from signaling.models import Body, Wire
from signaling.room_messages import (
    ChatAnswer,
    ChatRequest,
    MinutesAnswer,
    MinutesRequest,
    ParticipantRequest,
    RaiseHandAnswer,
    RaiseHandRequest,
)

if TYPE_CHECKING:
    from signaling.room_namespace import RoomNamespace
    from signaling.socket_session import SocketSession

Handler = Callable[["SocketSession", Any], Awaitable[Wire | None]]
Events = dict[str, tuple[type[Body], Handler]]

CHAT_BURST = 5  # messages
CHAT_WINDOW_S = 5.0  # per participant: at most CHAT_BURST messages in this window
MAX_SCREENS = 1  # screen shares in a room at once


def author(participant: LiveParticipant) -> Author:
    return Author(participant.id, participant.subject, participant.name, participant.role)


def moderates(participant: LiveParticipant) -> bool:
    return policy.may_in_room(participant.role, policy.ROOM_MODERATE)


class SessionEvents:
    def __init__(self, namespace: RoomNamespace) -> None:
        self.ns = namespace
        self._chat_times: dict[str, deque[float]] = {}

    def events(self) -> Events:
        """event -> (request model, handler), merged into RoomNamespace.events."""
        return {
            "raise-hand": (RaiseHandRequest, self.raise_hand),
            "allow-speak": (ParticipantRequest, self.allow_speak),
            "chat": (ChatRequest, self.chat),
            "minutes": (MinutesRequest, self.save_minutes),
        }

    async def stored_room(self, room_id: str) -> Room:
        async with self.ns.app[DATABASE].session() as db:
            stored = await actions.get_room(db, room_id)
        if stored is None:
            raise fail("room_not_found")
        return stored

    # -- what a page needs on joining -------------------------------------------------------
    async def join_extras(self, room: LiveRoom, participant: LiveParticipant) -> dict[str, Any]:
        async with self.ns.app[DATABASE].session() as db:
            chat = [chat_json(m) for m in await room_chat(db, room.id)]
            extras: dict[str, Any] = {
                "startedAt": room.started_at,
                "serverTime": time.time(),
                "chat": chat,
            }
            if moderates(participant):
                extras["minutes"] = minutes_json(await db.get(RoomMinutes, room.id))
        return extras

    # -- the floor ------------------------------------------------------------------------------
    async def raise_hand(self, session: SocketSession, data: RaiseHandRequest) -> RaiseHandAnswer:
        """A participant asks for the floor (raised: false lowers the hand)."""
        room, participant = session.joined()
        raised = data.raised
        if participant.hand_raised != raised:
            participant.hand_raised = raised
            self.ns.to_room(room.id, "hand", {"participantId": participant.id, "raised": raised})
        return RaiseHandAnswer(raised=raised)

    async def allow_speak(self, session: SocketSession, data: ParticipantRequest) -> None:
        """The mediator gives a participant the floor: a mute the mediator put on
        their microphone is lifted, their hand goes down, and they are told
        (`speak-allowed`; their page unmutes if they had asked, else asks them)."""
        room, mediator, target = self.ns._moderate(session, data)
        asked = target.hand_raised
        for producer in target.producers:
            if producer.kind == "audio":
                producer.app_data.pop("muted_by_moderator", None)
        if target.hand_raised:
            target.hand_raised = False
            self.ns.to_room(room.id, "hand", {"participantId": target.id, "raised": False})
        self.ns.to_participant(target.id, "speak-allowed", {"by": mediator.id, "asked": asked})

    # -- chat -----------------------------------------------------------------------------------
    async def chat(self, session: SocketSession, data: ChatRequest) -> ChatAnswer:
        room, participant = session.joined()
        body = data.text
        self._throttle_chat(participant.id)
        stored = await self.stored_room(room.id)
        message = await self.ns.app[DATABASE].run(
            lambda db: do_post_chat_message(db, stored, author(participant), body)
        )
        payload = chat_json(message)
        self.ns.to_room(room.id, "chat", payload)
        return ChatAnswer(message=payload)

    def _throttle_chat(self, participant_id: str) -> None:
        now = time.monotonic()
        times = self._chat_times.setdefault(participant_id, deque(maxlen=CHAT_BURST))
        if len(times) == CHAT_BURST and now - times[0] < CHAT_WINDOW_S:
            raise fail("rate_limited", "发送太快，请稍候 / too many messages, wait a moment")
        times.append(now)

    # -- minutes --------------------------------------------------------------------------------
    async def save_minutes(self, session: SocketSession, data: MinutesRequest) -> MinutesAnswer:
        """The mediator's minutes, saved whole (`version`: the one edited from)."""
        room, participant = session.joined()
        if not moderates(participant):
            raise fail("forbidden", "只有调解员可以记录笔录 / mediators only")
        value, version = data.text, data.version
        stored = await self.stored_room(room.id)
        minutes = await self.ns.app[DATABASE].run(
            lambda db: do_save_minutes(db, stored, author(participant), value, base_version=version)
        )
        return MinutesAnswer(minutes=minutes_json(minutes))

    # -- screen sharing -------------------------------------------------------------------------
    def check_screen(self, room: LiveRoom, participant: LiveParticipant) -> None:
        """A mediator shares a screen or a document; one screen in a room at a time."""
        if not moderates(participant):
            raise fail("forbidden", "只有调解员可以共享屏幕 / mediators only")
        screens = [
            p
            for p in room.router.producers
            if p.app_data.get("source") == "screen" and not p.closed
        ]
        if len(screens) >= MAX_SCREENS:
            raise fail("screen_busy", "已有人在共享屏幕 / someone is already sharing a screen")

    def forget(self, participant_id: str) -> None:
        self._chat_times.pop(participant_id, None)
