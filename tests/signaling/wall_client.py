"""A wall screen or an operator on the /wall namespace, for tests: python-socketio
and a real aiortc subscribe connection (no browser)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.signaling.client import ProtocolClient

NAMESPACE = "/wall"


class WallClient(ProtocolClient):
    """Speaks the /wall namespace (docs/protocol.md, "Walls") as a screen page does:
    `sync`, then `subscribe`/`subscribe-answer` on one connection."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__(url, token)
        self.sio.handlers.pop("/", None)
        self.sio.on("*", self._on_any, namespace=NAMESPACE)
        self.state: dict[str, Any] = {}

    async def connect(self) -> None:
        await self.sio.connect(
            self.url, auth={"token": self.token}, transports=["websocket"], namespaces=[NAMESPACE]
        )

    async def request(self, event: str, payload: Any = None) -> dict[str, Any]:
        args = () if payload is ... else (payload if payload is not None else {},)
        result: dict[str, Any] = await self.sio.call(event, *args, timeout=15, namespace=NAMESPACE)
        return result

    async def _on_any(self, event: str, data: Any = None) -> None:
        await super()._on_any(event, data)
        if event in ("wall-changed", "media-changed") and not self.closing:
            self._spawn_sync()

    def _spawn_sync(self) -> None:
        async def run() -> None:
            await self.sync()

        task = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def sync(self) -> dict[str, Any]:
        ack = await self.request("sync", {})
        if ack.get("ok"):
            self.state = ack
            self.changed.set()
            await self.negotiate()
        return ack

    async def negotiate(self) -> None:
        await super().negotiate()
        self.changed.set()  # new mids are known now: frames_from looks again

    def tile(self, number: int) -> dict[str, Any]:
        return next(t for t in self.state.get("tiles", []) if t["tile"] == number)

    def shown_producers(self, number: int, kind: str = "video") -> list[str]:
        shown = self.tile(number).get("shown") or {}
        return [p["producerId"] for p in shown.get("producers", []) if p["kind"] == kind]
