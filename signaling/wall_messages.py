"""The /wall socket.io namespace's requests as models (docs/protocol.md, "Walls").

A request's one JSON object is decoded by signaling.decoder (hostile JSON refused)
and validated by its event's model, as on the rooms' namespace
(signaling.room_messages); answers are {ok: true, ...} or {ok: false, error}.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from signaling.models import Body, Id
from signaling.room_messages import AnswerRequest, Empty, ProducerRequest

TileNumber = Annotated[int, Field(gt=0, lt=100)]


class VisibleRequest(Body):
    """Which tiles the screen's page can see (a hidden page: none)."""

    tiles: list[TileNumber] = Field(max_length=64)


class WallRequest(Body):
    """watch / unwatch: an operator follows a wall (or stops)."""

    wall: Annotated[str, Field(min_length=1, max_length=32)]


class ListenRequest(Body):
    """listen: an operator hears one room's microphones."""

    room: Id


__all__ = [
    "AnswerRequest",
    "Empty",
    "ListenRequest",
    "ProducerRequest",
    "VisibleRequest",
    "WallRequest",
]
