"""A protocol client for tests: python-socketio + real aiortc peers (no browser)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import socketio
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from media import _aiortc_taps as taps
from tests.media.fixtures import Received, client_pc, publisher_pc


class ProtocolClient:
    """Speaks docs/protocol.md like the party page does."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.changed = asyncio.Event()
        self.received = Received()
        self.mid_to_producer: dict[str, str] = {}
        self.pub_pc: RTCPeerConnection | None = None
        self.sub_pc: RTCPeerConnection | None = None
        self._negotiating = asyncio.Lock()
        self._tasks: set[asyncio.Future[None]] = set()
        self.closing = False  # no new renegotiations: the socket is going
        self.sio.on("*", self._on_any)

    async def _on_any(self, event: str, data: Any = None) -> None:
        self.events[event].append(data)
        self.changed.set()
        if event == "renegotiate" and not self.closing:
            task = asyncio.ensure_future(self.negotiate())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def connect(self) -> None:
        await self.sio.connect(self.url, auth={"token": self.token}, transports=["websocket"])

    async def request(self, event: str, payload: Any = None) -> dict[str, Any]:
        args = () if payload is ... else (payload if payload is not None else {},)
        result: dict[str, Any] = await self.sio.call(event, *args, timeout=15)
        return result

    async def join(self, **payload: Any) -> dict[str, Any]:
        return await self.request("join", payload)

    async def publish(
        self, tracks: list[MediaStreamTrack], codec: str | None = None
    ) -> dict[str, Any]:
        self.pub_pc = pc = publisher_pc(tracks, codec)
        await pc.setLocalDescription(await pc.createOffer())
        ack = await self.request("publish", {"sdp": pc.localDescription.sdp})
        assert ack["ok"], ack
        await pc.setRemoteDescription(RTCSessionDescription(sdp=ack["sdp"], type="answer"))
        return ack

    async def negotiate(self) -> None:
        async with self._negotiating:
            ack = await self.request("subscribe", {})
            assert ack["ok"], ack
            for consumer in ack["consumers"]:
                if consumer["mid"] is not None:
                    self.mid_to_producer[consumer["mid"]] = consumer["producerId"]
            if ack["sdp"] is None:
                return
            if self.sub_pc is None:
                self.sub_pc = client_pc()
                self.sub_pc.on("track", self._on_track)
            pc = self.sub_pc
            await pc.setRemoteDescription(RTCSessionDescription(sdp=ack["sdp"], type="offer"))
            for consumer in ack["consumers"]:  # mids are known once the offer is applied
                if consumer["mid"] is not None:
                    self.mid_to_producer[consumer["mid"]] = consumer["producerId"]
            await pc.setLocalDescription(await pc.createAnswer())
            answer = await self.request("subscribe-answer", {"sdp": pc.localDescription.sdp})
            assert answer["ok"], answer

    def _on_track(self, track: MediaStreamTrack) -> None:
        assert self.sub_pc is not None
        for transceiver in self.sub_pc.getTransceivers():
            if transceiver.receiver.track is track and transceiver.mid is not None:
                taps.tap_receiver(transceiver.receiver, self.received.sink(transceiver.mid))

    async def frames_from(self, producer_id: str, at_least: int = 1, limit: float = 10) -> int:
        """Wait until `at_least` frames of `producer_id` arrived; return the count."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            mids = [m for m, p in self.mid_to_producer.items() if p == producer_id]
            count = sum(len(self.received.frames.get(m, [])) for m in mids)
            if count >= at_least:
                return count
            if loop.time() > deadline:
                raise TimeoutError(f"{count} frames of {producer_id}, wanted {at_least}")
            for m in mids:
                self.received.events.setdefault(m, asyncio.Event()).clear()
            waiters = [self.received.events.setdefault(m, asyncio.Event()).wait() for m in mids]
            waiters.append(self.changed.wait())
            self.changed.clear()
            _, pending = await asyncio.wait(
                [asyncio.ensure_future(w) for w in waiters],
                timeout=max(0.01, deadline - loop.time()),
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in pending:
                task.cancel()

    async def wait_event(
        self, event: str, predicate: Any = None, limit: float = 10
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            for data in self.events.get(event, []):
                if predicate is None or predicate(data):
                    return data
            if loop.time() > deadline:
                raise TimeoutError(f"no {event} event")
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), deadline - loop.time())
            except TimeoutError:
                pass

    async def wait_disconnected(self, limit: float = 10) -> None:
        """Until the hub closes this socket."""
        await asyncio.wait_for(self.sio.wait(), limit)

    async def close(self) -> None:
        # renegotiations still running would ask a namespace that is gone
        self.closing = True
        pending = list(self._tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self.sio.connected:
            await self.sio.disconnect()
        for pc in (self.pub_pc, self.sub_pc):
            if pc is not None:
                await pc.close()
