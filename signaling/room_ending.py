"""Ending a room: one function for the REST route and the socket.io `end-room`
event alike.

The stored room ends first (with every participant marked left, audited in one
unit of work), so nobody can join it again while it closes; then everyone in the
live room on this node is told `room-ended` and disconnected, the recording is
stopped and sealed, and the live room closes."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from rooms import actions
from rooms.live_room import ROOM_ENDED
from signaling.keys import DATABASE, LIVE_ROOMS, RECORDINGS, ROOM_NAMESPACE

logger = logging.getLogger(__name__)


async def end_room(
    app: web.Application, room_id: str, *, actor: str, ip: str | None = None
) -> str | None:
    """End the room `room_id` (already authorised by the caller). Returns the id
    of the recording it sealed, if one was running."""

    async def end_stored(s: AsyncSession) -> None:
        stored = await actions.get_room(s, room_id)
        if stored is not None:
            await actions.do_end_room(s, stored, actor=actor, ip=ip)

    await app[DATABASE].run(end_stored)
    namespace = app[ROOM_NAMESPACE]
    live = app[LIVE_ROOMS].get(room_id)
    if live is not None:
        for participant in live.participants:
            await namespace.expel(live, participant.id, "room-ended", {"reason": ROOM_ENDED})
    await namespace.lobby_events.room_ended(room_id)
    sealed = await app[RECORDINGS].stop(room_id, actor=actor)
    namespace.required.pop(room_id, None)
    if live is not None:
        await live.close()
    logger.info("room %s ended by %s (recording sealed: %s)", room_id, actor, sealed)
    return sealed
