"""The one base of every refusal the hub answers with: a stable machine-readable
`code`, a human `message` (Chinese first, then English) and the HTTP status a
REST answer carries. socket.io answers the same code and message in an error ack.

media/ keeps its own errors (it imports nothing of ours); the adapters map them.
"""

from __future__ import annotations

from typing import ClassVar


class HubError(Exception):
    """Refuse a request. Subclasses set the default `status` (and may fix `code`)."""

    status: ClassVar[int] = 400

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status  # type: ignore[misc]  # per-instance override of the default

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, status={self.status})"


class RoomNotFound(HubError):
    status = 404

    def __init__(self) -> None:
        super().__init__("room_not_found", "调解室不存在 / no such room")


class RoomEnded(HubError):
    """The stored room has ended (410); nobody enters it again."""

    status = 410

    def __init__(self) -> None:
        super().__init__("room_ended", "调解室已结束 / the room has ended")


__all__ = ["HubError", "RoomEnded", "RoomNotFound"]
